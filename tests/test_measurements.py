"""Loading measurement CSVs: every row validated, errors name file, line and field."""
import pytest

from pimsim.analysis import measurements as ms
from pimsim.analysis.measurements import MeasurementError

HEADER = "source,system,workload,variant,nr_dpus,nr_tasklets,size,metric,value,unit,uncertainty\n"
GOOD = "paper,sys,VA,v,4,,1048576,dpu_kernel_time,1.5,ms,\n"


def write(tmp_path, body, name="m.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def test_project_measurements_load():
    pts = ms.load()
    assert len(pts) >= 500
    assert len({p.id for p in pts}) == len(pts)
    names = {f.name for f in ms.default_files()}
    assert "upmem_published_points.csv" in names
    # raw source tables in other layouts are not part of the default set
    assert "upimulator_hw_times_ms.csv" not in names


def test_good_row(tmp_path):
    (m,) = ms.load([write(tmp_path, GOOD)])
    assert (m.workload, m.nr_dpus, m.nr_tasklets, m.size, m.value) == ("VA", 4, None, 1048576, 1.5)
    assert m.id == "m.csv:2"
    assert m.canonical_value == 1.5


def test_uncertainty_sd_item_is_read_in_the_rows_unit(tmp_path):
    body = (GOOD.replace(",1.5,ms,", ",1500,us,sd=30 over 5 runs; each the mean of 3 reps")
            + GOOD.replace(",1.5,ms,", ",1.5,ms,mean of 3 reps; spread not recorded"))
    with_sd, without = ms.load([write(tmp_path, body)])
    assert with_sd.sd == 30 and with_sd.canonical_sd == pytest.approx(0.03)
    assert without.sd is None and without.canonical_sd is None


def test_units_convert_to_canonical(tmp_path):
    (m,) = ms.load([write(tmp_path, GOOD.replace(",1.5,ms,", ",1500,us,"))])
    assert m.canonical_value == pytest.approx(1.5)


@pytest.mark.parametrize("bad,field", [
    ("paper,sys,VA,v,four,,1,dpu_kernel_time,1.5,ms,", "nr_dpus"),
    ("paper,sys,VA,v,0,,1,dpu_kernel_time,1.5,ms,", "nr_dpus"),
    ("paper,sys,VA,v,4,2.5,1,dpu_kernel_time,1.5,ms,", "nr_tasklets"),
    ("paper,sys,VA,v,4,,-3,dpu_kernel_time,1.5,ms,", "size"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,fast,ms,", "value"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,-1,ms,", "value"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,nan,ms,", "value"),
    ("paper,sys,VA,v,4,,1,kernel_speed,1.5,ms,", "metric"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,1.5,GB/s,", "unit"),
    (",sys,VA,v,4,,1,dpu_kernel_time,1.5,ms,", "source"),
    ("paper,sys,,v,4,,1,dpu_kernel_time,1.5,ms,", "workload"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,1.5,ms,sd=fast", "uncertainty"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,1.5,ms,sd=-0.1 over 3 runs", "uncertainty"),
    ("paper,sys,VA,v,4,,1,dpu_kernel_time,1.5,ms,sd=0.1; sd=0.2", "uncertainty"),
])
def test_malformed_row_names_file_line_field(tmp_path, bad, field):
    p = write(tmp_path, GOOD + GOOD + bad + "\n")
    with pytest.raises(MeasurementError) as e:
        ms.load([p])
    assert "m.csv:4" in str(e.value)
    assert repr(field) in str(e.value)


def test_wrong_number_of_fields(tmp_path):
    with pytest.raises(MeasurementError, match=r"m\.csv:2: 3 fields"):
        ms.load([write(tmp_path, "a,b,c\n")])


def test_bad_header(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("source,system,workload\n")
    with pytest.raises(MeasurementError, match=r"h\.csv:1: header: missing column 'variant'"):
        ms.load([p])


def test_quoted_multiline_field_keeps_line_numbers(tmp_path):
    body = '"two\nlines",sys,VA,v,4,,1,dpu_kernel_time,1.5,ms,\n' + GOOD
    a, b = ms.load([write(tmp_path, body)])
    assert a.line == 2 and b.line == 4


def test_missing_file():
    with pytest.raises(MeasurementError, match="does not exist"):
        ms.load(["/nonexistent/x.csv"])


def test_select_systems_keeps_matching_rows_case_insensitively(tmp_path):
    body = (GOOD.replace(",sys,", ",KAIST server,") + GOOD.replace(",sys,", ",PrIM 2556-DPU system,")
            + GOOD.replace(",sys,", ",UPMEM cloud,"))
    pts = ms.load([write(tmp_path, body)])
    assert [m.system for m in ms.select_systems(pts, ["kaist"])] == ["KAIST server"]
    assert [m.system for m in ms.select_systems(pts, ["KAIST", "cloud"])] == ["KAIST server", "UPMEM cloud"]
    assert ms.select_systems(pts, []) == pts


@pytest.mark.parametrize("pattern, match", [("nowhere", r"--system 'nowhere' matches no measured point; "
                                                        r"systems present: 'sys'"),
                                            (" ", r"--system: empty pattern")])
def test_select_systems_without_match_is_an_error(tmp_path, pattern, match):
    pts = ms.load([write(tmp_path, GOOD)])
    with pytest.raises(MeasurementError, match=match):
        ms.select_systems(pts, [pattern])
