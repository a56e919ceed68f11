# Shared build settings: every target links fcemu_common_cfg (qBittorrent's qbt_common_cfg).
add_library(fcemu_common_cfg INTERFACE)
target_compile_features(fcemu_common_cfg INTERFACE cxx_std_23)
target_compile_definitions(fcemu_common_cfg INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CONTEXTLESS_CONNECT
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    _GNU_SOURCE)
target_compile_options(fcemu_common_cfg INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2
    $<$<BOOL:${FCEMU_WERROR}>:-Werror>)
# Release hardening, as Debian's dpkg-buildflags give it (hardening-check in the package test):
# fortified libc calls, stack protector and clash protection, full RELRO with now-binding; PIE
# is Debian's compiler default. The compile flags only in Release, what the package ships, so
# the other configurations keep their compiler caches.
add_library(fcemu_hardening_cfg INTERFACE)
target_compile_options(fcemu_hardening_cfg INTERFACE
    $<$<CONFIG:Release>:-fstack-protector-strong -fstack-clash-protection -fcf-protection
                        -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2>)
target_link_options(fcemu_hardening_cfg INTERFACE LINKER:-z,relro LINKER:-z,now)
target_link_libraries(fcemu_common_cfg INTERFACE fcemu_hardening_cfg)

if(FCEMU_SANITIZE)
    target_compile_options(fcemu_common_cfg INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(fcemu_common_cfg INTERFACE -fsanitize=address,undefined)
endif()
if(FCEMU_BUILD_FUZZERS)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "FCEMU_BUILD_FUZZERS needs clang (the sanitize preset uses clang-19)")
    endif()
    # Coverage feedback for libFuzzer in every library; only fuzz/ links libFuzzer's main.
    target_compile_options(fcemu_common_cfg INTERFACE -fsanitize=fuzzer-no-link)
    target_link_options(fcemu_common_cfg INTERFACE -fsanitize=fuzzer-no-link)
endif()

# fcemu_add_test(NAME name SOURCES ... LIBS ... LABELS unit|sandbox|gui [ENV ...])
# One executable per test class; GUI tests run on the offscreen platform.
function(fcemu_add_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
    qt_add_executable(${T_NAME} ${T_SOURCES})
    set_target_properties(${T_NAME} PROPERTIES AUTOMOC ON)
    target_link_libraries(${T_NAME} PRIVATE fcemu_common_cfg Qt6::Test ${T_LIBS})
    target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set(env "FCEMU_TEST_BINARY_DIR=${PROJECT_BINARY_DIR}" ${T_ENV})
    if("gui" IN_LIST T_LABELS)
        list(APPEND env "QT_QPA_PLATFORM=offscreen")
    endif()
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${env}"
                         TIMEOUT ${T_TIMEOUT})
endfunction()
