// Loading an object's cache lines ahead of its use: the flow table's records, the server
// inventory's entries, each a few lines that a probe or an update would otherwise wait on in
// turn.
#pragma once

#include <cstddef>

namespace pairwatch::util {

/// Prefetches, for writing, every cache line of the `bytes` bytes at `p` (the last one too
/// when the object straddles a line it does not start in).
inline void prefetch_for_write(const void* p, std::size_t bytes) {
    const auto* b = static_cast<const char*>(p);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(b + at, 1);
    __builtin_prefetch(b + bytes - 1, 1);
}

} // namespace pairwatch::util
