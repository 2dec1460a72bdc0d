// Where a run's data comes from: the user's --data-dir layered over the
// shipped datasets/ folder. A file the user's folder lacks is read from the
// shipped copy, so a full FLORES-200 copy under --data-dir still finds the
// repository's own derived prompts/flores_first_sentence.jsonl. For
// per-language patterns ("xcopa/test.{lang}.jsonl") the languages are those
// of either folder, each file taken from the first folder that has it.
#pragma once

#include <string>
#include <vector>

namespace datasets {

class data_folders {
public:
    // `user_dir` first, then `shipped_dir` (one folder when they are the same
    // or user_dir is empty). Throws input_error when user_dir is not a folder.
    data_folders(const std::string& user_dir, const std::string& shipped_dir);
    // Only the shipped folder.
    static data_folders shipped();

    // The first folder's file that exists; the first folder's path when none has it (the error then names it).
    std::string path(const std::string& relative) const;
    // path() with {lang} replaced.
    std::string path(const std::string& pattern, const std::string& language) const;
    // Sorted, without repeats: the {lang} parts of the files that exist in any folder.
    std::vector<std::string> languages(const std::string& pattern) const;
    // "DIR" or "DIR (over SHIPPED)", for messages.
    std::string describe() const;
    const std::vector<std::string>& folders() const { return folders_; }

private:
    std::vector<std::string> folders_;
};

// The shipped data folder (source tree, datasets/).
std::string shipped_data_dir();

}  // namespace datasets
