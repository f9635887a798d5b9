"""PrIM BFS on pimsim: node levels equal a host BFS for uneven sizes, DPU and tasklet counts;
one launch per level with the frontier exchange booked as inter-DPU; timing-only equals
functional timing; generators have the statistics asked for; the edge-list loader reads
PrIM's and SNAP's formats."""
import numpy as np
import pytest

from pimsim.errors import PimsimError
from pimsim.workloads import prim
from pimsim.workloads.prim import inputs
from pimsim.workloads.prim.bfs import reference_levels


@pytest.mark.parametrize("dpus,tasklets,size,graph", [
    (1, 16, 2000, "gowalla"), (1, 1, 301, "gowalla"), (3, 11, 1001, "gowalla"), (3, 16, 4001, "rmat"),
    (64, 16, 5000, "gowalla"), (256, 16, 3000, "gowalla"), (64, 11, 100, "rmat"),
])
def test_bfs_matches_host_bfs(dpus, tasklets, size, graph):
    r = prim.run("BFS", dpus=dpus, tasklets=tasklets, size=size, params={"graph": graph})
    assert r.verified is True
    levels = r.outputs["levels"]
    assert len(r.launches) == int(levels.max())               # one launch per level
    assert r.time_ps["inter_dpu"] > 0 and r.time_ps["dpu_kernel"] > 0


@pytest.mark.parametrize("dpus,tasklets", [(5, 16), (64, 11)])
def test_bfs_timing_only_equals_functional(dpus, tasklets):
    f = prim.run("BFS", dpus=dpus, tasklets=tasklets, size=3000)
    t = prim.run("BFS", dpus=dpus, tasklets=tasklets, size=3000, timing_only=True)
    assert dict(t.time_ps) == dict(f.time_ps)
    assert [l.kernel_ps for l in t.launches] == [l.kernel_ps for l in f.launches]


def test_bfs_inter_dpu_grows_with_dpus():
    a = prim.run("BFS", dpus=4, tasklets=16, size=4000, timing_only=True)
    b = prim.run("BFS", dpus=64, tasklets=16, size=4000, timing_only=True)
    assert b.time_ps["inter_dpu"] > 4 * a.time_ps["inter_dpu"]


def test_reference_levels_small_graph():
    # 0-1, 1-2, 0-3, 4 isolated (both directions listed)
    g = inputs.coo_to_csr(5, 5, [0, 1, 1, 2, 0, 3], [1, 0, 2, 1, 3, 0])
    assert list(reference_levels(g.row_ptr, g.col)) == [1, 2, 3, 2, 0]


def test_gowalla_like_statistics_and_determinism():
    g = inputs.gowalla_like(0, scale=0.1)
    n = round(inputs.GOWALLA_NODES * 0.1)
    assert g.nrows == n + (-n) % 64
    assert g.nnz == 2 * round(inputs.GOWALLA_EDGES * 0.1)      # both directions of every edge
    deg = np.diff(g.row_ptr.astype(np.int64))
    assert deg[:n].min() >= 1 and deg.max() > 50 * np.median(deg[:n])   # connected, heavy tail
    lv = reference_levels(g.row_ptr, g.col)
    assert np.all(lv[:n] > 0)                                   # one component, as loc-gowalla
    h = inputs.gowalla_like(0, scale=0.1)
    assert np.array_equal(g.col, h.col) and np.array_equal(g.row_ptr, h.row_ptr)
    r = inputs.rmat(1, nodes=4096, edge_factor=8)
    assert r.nrows == 4096 and r.nnz == 2 * 8 * 4096
    rd = np.diff(r.row_ptr.astype(np.int64))
    assert rd.max() > 20 * np.median(rd)


def test_edge_list_loader(tmp_path):
    p = tmp_path / "prim.txt"                     # PrIM: header, 0-based, both directions listed
    p.write_text("5 5 6\n0 1\n1 0\n1 2\n2 1\n0 3\n3 0\n")
    g = inputs.load_edge_list(p)
    assert g.nrows == 64 and g.nnz == 6
    assert list(g.row_ptr[:6]) == [0, 2, 4, 5, 6, 6] and list(g.col) == [1, 3, 0, 2, 1, 0]
    q = tmp_path / "snap.txt"
    q.write_text("# Directed graph\n# FromNodeId\tToNodeId\n0\t1\n1\t0\n1\t2\n2\t1\n70\t0\n0\t70\n")
    g = inputs.load_edge_list(q)
    assert g.nrows == 128 and g.nnz == 6
    r = prim.run("BFS", dpus=3, tasklets=11, params={"file": str(q)})
    assert r.verified is True
    assert list(r.outputs["levels"][[0, 1, 2, 70, 3]]) == [1, 2, 3, 2, 0]
    p.write_text("5 5 3\n0 1\n")
    with pytest.raises(PimsimError, match="header says 3 edges, file has 1"):
        inputs.load_edge_list(p)
