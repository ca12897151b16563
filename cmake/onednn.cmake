# oneDNN (Debian libdnnl-dev) for the onednn backend (docs/backend-onednn.md):
# optional; without it the backend declines every operator and
# `--backend onednn` is refused.
option(AMSEL_WITH_ONEDNN "Build the oneDNN backend when libdnnl is found" ON)
if(AMSEL_WITH_ONEDNN AND NOT AMSEL_MINIMAL)
  find_path(DNNL_INCLUDE_DIR dnnl.h)
  find_library(DNNL_LIBRARY dnnl)
  find_package(OpenMP COMPONENTS C)
endif()
if(AMSEL_WITH_ONEDNN AND NOT AMSEL_MINIMAL AND DNNL_INCLUDE_DIR AND DNNL_LIBRARY AND OpenMP_C_FOUND)
  set(AMSEL_HAVE_ONEDNN ON)
  message(STATUS "amsel: oneDNN backend (${DNNL_LIBRARY})")
  target_compile_definitions(amsel PRIVATE AMSEL_HAVE_ONEDNN=1)
  target_include_directories(amsel PRIVATE ${DNNL_INCLUDE_DIR})
  # Debian's libdnnl runs on OpenMP (libgomp): the backend keeps it on one
  # thread per call (omp_set_num_threads) and splits the work among the
  # graph's own threads, so it only links the runtime (no -fopenmp).
  target_link_libraries(amsel PRIVATE ${DNNL_LIBRARY} ${OpenMP_C_LIBRARIES})
else()
  set(AMSEL_HAVE_ONEDNN OFF)
  message(STATUS "amsel: oneDNN not used, onednn backend unavailable")
endif()
