/* Must be rejected at load: a 70000-byte WRAM global exceeds the 64 KB WRAM. */
#include <defs.h>
#include <stdint.h>
volatile uint8_t big_wram_table[70000];
int main(void) {
    big_wram_table[me()] = 1;
    return 0;
}
