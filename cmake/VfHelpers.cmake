# Helper functions shared by all vfstudio CMakeLists.

# Warnings for project code only (third-party headers are included as SYSTEM).
function(vf_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  endif()
endfunction()

# vf_add_library(name SOURCES ... [LIBS ...]) : a static library of project code.
function(vf_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;LIBS;PUBLIC_LIBS" ${ARGN})
  add_library(${name} STATIC ${A_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${A_LIBS} PUBLIC ${A_PUBLIC_LIBS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON AUTOMOC OFF AUTORCC OFF)
  vf_warnings(${name})
endfunction()

# vf_add_qtest(name SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s])
# A Qt Test executable registered with CTest, run headless (offscreen platform).
function(vf_add_qtest name)
  cmake_parse_arguments(A "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE Qt6::Test ${A_LIBS})
  target_compile_definitions(${name} PRIVATE
    VF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    VF_SHARED_DIR="${VF_SHARED_DIR}"
    VF_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests)
  vf_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;VF_TEST_OUTPUT=${PROJECT_BINARY_DIR}/test-output"
    TIMEOUT ${A_TIMEOUT}
    LABELS "${A_LABELS}")
endfunction()

# Adds every immediate sub-folder of `dir` that has a CMakeLists.txt.
function(vf_add_subdirs dir)
  file(GLOB children RELATIVE ${dir} CONFIGURE_DEPENDS ${dir}/*/CMakeLists.txt)
  list(SORT children)
  foreach(child ${children})
    get_filename_component(sub ${child} DIRECTORY)
    add_subdirectory(${dir}/${sub})
  endforeach()
endfunction()
