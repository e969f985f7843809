"""Measurements both select peers report (imported from the script's own folder)."""
import resource


def peak_rss_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def blas_info() -> list:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{key: info.get(key) for key in ("internal_api", "version", "architecture", "num_threads")} for info in threadpool_info()]
