// The fuzz targets' assertion: a broken promise is __builtin_trap(), which libFuzzer and the
// replay driver both report as a crash at the line of the check, in every build type (assert()
// is gone under NDEBUG, and a message would only slow the fuzzer down).
#pragma once

#define PW_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (false)
