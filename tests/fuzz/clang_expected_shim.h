#pragma once
// Force-included into the clang fuzz build (tests/fuzz/CMakeLists.txt).
//
// libstdc++ 12 (Debian 12) declares std::expected only when __cpp_concepts >= 202002L, the
// value that announces P0848 (conditionally trivial special members). Clang 16 implements
// P0848 but still reports 201907L (a later clang raised it), so <expected> would come out
// empty. Clang 14, Debian 12's default, lacks P0848 itself (std::expected's copy fails to
// compile even with this), which is why the fuzz build needs clang 16.
#if defined(__clang__) && __clang_major__ >= 16 && __cpp_concepts < 202002L
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wmacro-redefined"
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#undef __cpp_concepts
#define __cpp_concepts 202002L
#pragma clang diagnostic pop
#endif
