// The translation unit that builds switchboard_test_support's precompiled header, which every
// test and benchmark reuses (tests/CMakeLists.txt lists what it holds).
