// Zip central directory reader (PKWARE APPNOTE 4.3.x): EOCD, ZIP64 EOCD and
// locator, central file headers with the ZIP64 extra field, local headers.
#include "formats/zip_archive.h"

#include <set>

namespace engines {
namespace {

constexpr std::uint32_t eocd_signature = 0x06054b50;
constexpr std::uint32_t zip64_locator_signature = 0x07064b50;
constexpr std::uint32_t zip64_eocd_signature = 0x06064b50;
constexpr std::uint32_t central_signature = 0x02014b50;
constexpr std::uint32_t local_signature = 0x04034b50;

std::uint64_t find_eocd(const harness::mapped_file& f, harness::byte_reader& r) {
    // The EOCD is 22 bytes plus a comment of up to 65535 bytes, at the end.
    if (f.size() < 22) r.fail_at(0, "zip archive too short for an end-of-central-directory record");
    const std::uint64_t lowest = f.size() > 22 + 65535 ? f.size() - 22 - 65535 : 0;
    for (std::uint64_t pos = f.size() - 22;; --pos) {
        const unsigned char* p = f.data() + pos;
        if (p[0] == 0x50 && p[1] == 0x4b && p[2] == 0x05 && p[3] == 0x06) return pos;
        if (pos == lowest) break;
    }
    r.fail_at(f.size(), "no zip end-of-central-directory record (truncated archive?)");
}

}  // namespace

std::vector<zip_entry> read_zip_directory(const harness::mapped_file& f) {
    harness::byte_reader r(f.path(), f.data(), f.size());
    const std::uint64_t eocd = find_eocd(f, r);
    r.seek(eocd + 4);
    r.skip(4);  // disk numbers
    r.skip(2);  // entries on this disk
    std::uint64_t n_entries = r.u16();
    std::uint64_t cd_size = r.u32();
    std::uint64_t cd_offset = r.u32();
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
        // ZIP64: a locator sits just before the EOCD and points at the ZIP64 EOCD.
        if (eocd < 20) r.fail_at(eocd, "ZIP64 fields without a ZIP64 locator");
        r.seek(eocd - 20);
        if (r.u32() != zip64_locator_signature) r.fail_at(eocd - 20, "ZIP64 fields without a ZIP64 locator");
        r.skip(4);
        const std::uint64_t z64 = r.u64();
        r.seek(z64);
        if (r.u32() != zip64_eocd_signature) r.fail_at(z64, "bad ZIP64 end-of-central-directory signature");
        r.skip(8 + 2 + 2 + 4 + 4 + 8);  // record size, versions, disk numbers, entries on disk
        n_entries = r.u64();
        cd_size = r.u64();
        cd_offset = r.u64();
    }
    if (cd_offset > f.size() || cd_size > f.size() - cd_offset)
        r.fail_at(eocd, "central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
                            " bytes) lies outside the file");

    std::vector<zip_entry> entries;
    std::set<std::string> names;
    r.seek(cd_offset);
    for (std::uint64_t i = 0; i < n_entries; ++i) {
        const std::uint64_t at = r.offset();
        if (r.u32() != central_signature) r.fail_at(at, "bad central directory entry signature");
        r.skip(2 + 2);  // versions
        const std::uint16_t flags = r.u16();
        zip_entry e;
        e.method = r.u16();
        r.skip(2 + 2 + 4);  // time, date, crc
        std::uint64_t compressed = r.u32();
        std::uint64_t uncompressed = r.u32();
        const std::uint16_t name_len = r.u16(), extra_len = r.u16(), comment_len = r.u16();
        r.skip(2 + 2 + 4);  // disk, internal and external attributes
        std::uint64_t local = r.u32();
        e.name = std::string(r.take(name_len));
        // ZIP64 extra field (id 1): the 64-bit values of fields that read 0xFFFFFFFF.
        const std::uint64_t extra_end = r.offset() + extra_len;
        while (r.offset() + 4 <= extra_end) {
            const std::uint16_t id = r.u16(), len = r.u16();
            const std::uint64_t field_end = r.offset() + len;
            if (field_end > extra_end) r.fail("extra field of entry '" + e.name + "' overruns its header");
            if (id == 1) {
                if (uncompressed == 0xFFFFFFFF) uncompressed = r.u64();
                if (compressed == 0xFFFFFFFF) compressed = r.u64();
                if (local == 0xFFFFFFFF) local = r.u64();
            }
            r.seek(field_end);
        }
        r.seek(extra_end);
        r.skip(comment_len);
        if (flags & 1) r.fail_at(at, "entry '" + e.name + "' is encrypted");
        if (!names.insert(e.name).second) r.fail_at(at, "duplicate zip entry '" + e.name + "'");
        // The local header repeats name and extra (its extra may differ: torch pads it to align data).
        harness::byte_reader lr(f.path(), f.data(), f.size());
        lr.seek(local);
        if (lr.u32() != local_signature) lr.fail_at(local, "bad local header signature for entry '" + e.name + "'");
        lr.skip(2 + 2 + 2 + 2 + 2 + 4 + 4 + 4);
        const std::uint16_t local_name_len = lr.u16(), local_extra_len = lr.u16();
        lr.skip(local_name_len + static_cast<std::uint64_t>(local_extra_len));
        e.header_offset = local;
        e.data_offset = lr.offset();
        e.size = e.method == 0 ? uncompressed : compressed;
        if (e.method == 0 && compressed != uncompressed)
            lr.fail_at(local, "stored entry '" + e.name + "' has different compressed and uncompressed sizes");
        if (e.size > f.size() - e.data_offset)
            lr.fail_at(e.data_offset, "entry '" + e.name + "' (" + std::to_string(e.size) +
                                          " bytes) extends past the end of the file");
        entries.push_back(std::move(e));
    }
    return entries;
}

}  // namespace engines
