// An allocator whose large blocks are mapped on their own and offered to the kernel for 2 MiB
// pages (madvise MADV_HUGEPAGE; Debian's default THP setting is "madvise", so nothing gets
// them unasked). The flow table's records, links and index at 1M flows span some 160 MB: with
// 4 KiB pages nearly every record touched also missed the TLB, and a prefetch waited for the
// page walk. Small blocks go through operator new as usual.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace pairwatch::util {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/// Memory for `bytes` bytes: a private mapping advised for huge pages from kHugePageBytes up
/// (rounded up to whole huge pages), operator new below.
[[nodiscard]] inline void* allocate_huge(std::size_t bytes) {
    if (bytes < kHugePageBytes) return ::operator new(bytes);
    const std::size_t mapped = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Advice only: where the kernel has no huge page to give, the block works as it is.
    (void)::madvise(p, mapped, MADV_HUGEPAGE);
    return p;
}

inline void free_huge(void* p, std::size_t bytes) noexcept {
    if (bytes < kHugePageBytes) {
        ::operator delete(p);
        return;
    }
    ::munmap(p, (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1));
}

template <typename T> struct HugePageAllocator {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    using value_type = T;
    HugePageAllocator() = default;
    template <typename U> HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(allocate_huge(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { free_huge(p, n * sizeof(T)); }

    template <typename U> bool operator==(const HugePageAllocator<U>& /*other*/) const noexcept {
        return true;
    }
};

} // namespace pairwatch::util
