#include "pairwatch/decode/fragment_table.h"

#include "layers.h"
#include "pairwatch/util/saturating.h"

#include <bit>
#include <cassert>

namespace pairwatch::decode {

FragmentTable::FragmentTable(std::size_t buckets, std::int64_t timeout_ns, std::uint64_t seed)
    : entries_(std::bit_ceil(buckets == 0 ? 1 : buckets) * kWays),
      bucket_mask_(std::bit_ceil(buckets == 0 ? 1 : buckets) - 1), timeout_ns_(timeout_ns),
      seed_(seed) {}

std::size_t FragmentTable::bucket_of(const FragmentKey& key) const {
    std::uint64_t h = hash_mix(seed_, key.src.bytes.data(), key.src.bytes.size());
    h = hash_mix(h, key.dst.bytes.data(), key.dst.bytes.size());
    const std::uint64_t rest = std::uint64_t{key.id} << 16 | std::uint64_t{key.ip_proto} << 8 |
                               key.ip_version;
    h = hash_mix(h, &rest, sizeof rest);
    return static_cast<std::size_t>(h) & bucket_mask_;
}

void FragmentTable::remember(const FragmentKey& key, const FragmentResult& result,
                             std::int64_t now_ns) {
    Entry* bucket = &entries_[bucket_of(key) * kWays];
    Entry* victim = nullptr;
    for (std::size_t i = 0; i < kWays; ++i) {
        Entry& e = bucket[i];
        if (e.used && e.key == key) {
            victim = &e; // a retransmitted first fragment refreshes its entry
            break;
        }
        if (!e.used) {
            if (victim == nullptr || victim->used) victim = &e;
        } else if (victim == nullptr || (victim->used && e.last_ns < victim->last_ns)) {
            victim = &e;
        }
    }
    assert(victim != nullptr);
    if (victim->used && !(victim->key == key)) {
        if (util::saturating_sub(now_ns, victim->last_ns) > timeout_ns_) ++stats_.expired;
        else ++stats_.evicted;
    }
    *victim = Entry{key, result, now_ns, true};
    ++stats_.inserted;
}

void FragmentTable::forget(const FragmentKey& key) {
    Entry* bucket = &entries_[bucket_of(key) * kWays];
    for (std::size_t i = 0; i < kWays; ++i) {
        if (bucket[i].used && bucket[i].key == key) bucket[i].used = false;
    }
}

const FragmentResult* FragmentTable::find(const FragmentKey& key, std::int64_t now_ns) {
    Entry* bucket = &entries_[bucket_of(key) * kWays];
    for (std::size_t i = 0; i < kWays; ++i) {
        Entry& e = bucket[i];
        if (!e.used || !(e.key == key)) continue;
        if (util::saturating_sub(now_ns, e.last_ns) > timeout_ns_) {
            e.used = false;
            ++stats_.expired;
            break;
        }
        e.last_ns = now_ns;
        ++stats_.matched;
        return &e.result;
    }
    ++stats_.unmatched;
    return nullptr;
}

std::uint64_t hash_mix(std::uint64_t seed, const void* data, std::size_t len) {
    // FNV-1a over the bytes, then a murmur3 finaliser: cheap, and the seed keeps crafted
    // traffic from choosing its bucket.
    const auto* p = static_cast<const unsigned char*>(data);
    std::uint64_t h = seed ^ 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < len; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

} // namespace pairwatch::decode
