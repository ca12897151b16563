/* The onednn backend's process-wide pieces: one CPU engine, and the
 * thread count of oneDNN's runtime.
 *
 * Debian's libdnnl 2.6 is built with DNNL_CPU_RUNTIME = OMP (libgomp): a
 * primitive runs on omp_get_max_threads() threads of the calling thread,
 * and its jit kernels pick their blocking for that count when the
 * primitive is created. The backend splits its work among the graph's
 * own threads (bands of output rows, onednn_internal.h), so oneDNN must
 * stay on the thread that calls it: the backend sets OpenMP to one
 * thread (omp_set_num_threads, a setting of the calling thread) around
 * primitive creation and every execution, and puts the caller's previous
 * setting back afterwards, so an application's own OpenMP code sees no
 * change and no OpenMP team is ever started. */
#if defined(AMSEL_HAVE_ONEDNN)

#include "onednn_internal.h"

#include <omp.h>
#include <pthread.h>

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_init(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success)
        engine = NULL;
}

dnnl_engine_t am_dnnl_engine(void)
{
    pthread_once(&engine_once, engine_init);
    return engine;
}

int am_dnnl_threads_set(int n)
{
    const int prev = omp_get_max_threads();
    if (n != prev)
        omp_set_num_threads(n);
    return prev;
}

void am_dnnl_threads_restore(int prev)
{
    if (omp_get_max_threads() != prev)
        omp_set_num_threads(prev);
}

#else
typedef int am_onednn_threads_unused; /* not a translation unit without oneDNN */
#endif
