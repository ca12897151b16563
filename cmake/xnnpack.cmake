# XNNPACK (Debian libxnnpack-dev + libpthreadpool-dev) for the xnnpack
# backend: optional; without it the backend declines every operator and
# `--backend xnnpack` is refused.
option(AMSEL_WITH_XNNPACK "Build the XNNPACK backend when libXNNPACK is found" ON)
if(AMSEL_WITH_XNNPACK)
  find_path(XNNPACK_INCLUDE_DIR xnnpack.h)
  find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h)
  find_library(XNNPACK_LIBRARY XNNPACK)
  find_library(PTHREADPOOL_LIBRARY pthreadpool)
endif()
if(AMSEL_WITH_XNNPACK AND XNNPACK_INCLUDE_DIR AND PTHREADPOOL_INCLUDE_DIR AND XNNPACK_LIBRARY
   AND PTHREADPOOL_LIBRARY)
  set(AMSEL_HAVE_XNNPACK ON)
  message(STATUS "amsel: XNNPACK backend (${XNNPACK_LIBRARY})")
  target_compile_definitions(amsel PRIVATE AMSEL_HAVE_XNNPACK=1)
  target_include_directories(amsel PRIVATE ${XNNPACK_INCLUDE_DIR} ${PTHREADPOOL_INCLUDE_DIR})
  target_link_libraries(amsel PRIVATE ${XNNPACK_LIBRARY} ${PTHREADPOOL_LIBRARY})
else()
  set(AMSEL_HAVE_XNNPACK OFF)
  message(STATUS "amsel: XNNPACK not used, xnnpack backend unavailable")
endif()
