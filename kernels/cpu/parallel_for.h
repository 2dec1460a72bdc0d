// OpenMP only where it pays. A `#pragma omp parallel ... if (false)` region
// is not free: libgomp still allocates, starts and frees a team of one
// (about 0.5 us per region, measured), and a small model's decode step runs
// about a hundred such ops. These helpers run the body on the calling thread
// instead when the work is too small or there is one thread.
#pragma once

#include <cstdint>

namespace kernels::cpu {

// body(i) for i in [0, n): split statically over n_threads threads when
// `worth_it`, else in order on the calling thread.
template <class Body>
inline void parallel_for(std::int64_t n, int n_threads, bool worth_it, const Body& body) {
    if (!worth_it || n_threads < 2 || n < 2) {
        for (std::int64_t i = 0; i < n; ++i) body(i);
        return;
    }
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) body(i);
}

// body() once per thread of an n_threads region when `worth_it` (it shares
// its work out with an orphaned `omp for` or omp_get_thread_num()), else once
// on the calling thread, where those see a team of one.
template <class Body>
inline void parallel_region(int n_threads, bool worth_it, const Body& body) {
    if (!worth_it || n_threads < 2) {
        body();
        return;
    }
#pragma omp parallel num_threads(n_threads)
    body();
}

}  // namespace kernels::cpu
