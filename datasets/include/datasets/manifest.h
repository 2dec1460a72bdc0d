// Shipped files are checked against their folder's MANIFEST.json before
// they are read: the nearest MANIFEST.json in the file's folder or above it
// that lists the file (by its path relative to the manifest, under "files"
// as a list of {"path"|"file", "sha256"} or as an object keyed by path) must
// give the file's sha256. A file no manifest lists is read as it is (a
// user's own --data file).
#pragma once

#include <string>

namespace datasets {

// Returns whether a manifest lists the file (and its hash matched). Throws
// harness::input_error "<file>: sha256 <got> does not match <expected> in
// <manifest>" on a mismatch, or for a manifest that is not valid JSON. Each
// file is hashed once per process.
bool check_against_manifest(const std::string& path);

}  // namespace datasets
