// The multiple-choice formats: each reads its records (datasets/) and turns
// them into prompts, after lm-evaluation-harness's prompts for the set.
// Adding a data set is a reader in datasets/choice_records.h, a prompt
// function and one line in the table (choice_formats.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks {

// One example as the scorer will ask it: contexts and continuations (one
// shared or one per choice), the right choice and its source record.
struct choice_item {
    std::string id;        // stable within the file (and language): a line number or the set's own id
    std::string language;  // formats with every language in one file set it
    std::vector<std::string> contexts, continuations;
    int gold = 0;
    nlohmann::json doc;
};

struct choice_format {
    std::string name;
    std::vector<std::string> words;  // prompt words each language needs in options.words
    bool languages_in_file = false;  // one file holds every language (its rows name theirs)
    // Reads a file; `words` are the language's options.words (null when the format needs none).
    std::vector<choice_item> (*read)(const std::string& path, const nlohmann::json& words) = nullptr;
};

const std::vector<choice_format>& choice_formats();
const choice_format* find_choice_format(const std::string& name);

}  // namespace tasks
