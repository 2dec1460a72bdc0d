# Run at build time (not configure time) so `rwkvbench info` names the commit
# that was actually built. Writes OUT only when the text changes, so an
# unchanged commit does not relink anything.
execute_process(
    COMMAND git -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
    OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
    set(commit "unknown")
else()
    execute_process(
        COMMAND git -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
        OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT dirty STREQUAL "")
        set(commit "${commit}+dirty")
    endif()
endif()
set(text "// Generated at build time by cmake/git_commit.cmake.\nnamespace harness {\nconst char* git_commit_string() { return \"${commit}\"; }\n}  // namespace harness\n")
if(EXISTS "${OUT}")
    file(READ "${OUT}" old)
else()
    set(old "")
endif()
if(NOT old STREQUAL text)
    file(WRITE "${OUT}" "${text}")
endif()
