// A run of `lambada_openai` (first `limit` passages) on one model: the run
// configuration the runner tests start from.
#pragma once

#include <string>

#include "tasks/runner.h"
#include "test_paths.h"

inline tasks::run_config lambada_run(const std::string& name, const std::string& model, const std::string& engine,
                                     const std::string& out, std::size_t limit) {
    tasks::run_config c;
    c.models.push_back({name, {engine, model, "bytes"}});
    c.tasks = {tasks::task_request::named("lambada_openai")};
    c.data_dir = test_paths::source() + "/datasets";
    c.limit = limit;
    c.out_dir = out;
    return c;
}
