# ctest "layering": every #include of the project's own headers points down
# the layering of DESIGN.md, and no library reaches into another folder by a
# relative path ("../../kernels/common/x.h"):
#
#   harness (plumbing)  <- kernels <- engines <- tasks -> datasets
#   harness (plumbing)  <- reports (report JSON only);  harness/cli: anything
#   tasks write the report and the journal through reports/report_model.h and
#   reports/example_records.h (their only headers of reports/)
#
# Run as: cmake -DSOURCE_DIR=<repo> -P cmake/check_layering.cmake
cmake_minimum_required(VERSION 3.20)
set(allowed_harness  harness)
set(allowed_kernels  harness kernels)
set(allowed_engines  harness kernels engines)
set(allowed_datasets harness datasets)
set(allowed_tasks    harness kernels engines datasets tasks)
set(allowed_reports  harness reports)
set(project_folders harness kernels engines datasets tasks reports)
set(also_allowed_tasks "reports/report_model.h" "reports/example_records.h")

set(violations "")
foreach(folder ${project_folders})
    file(GLOB_RECURSE sources "${SOURCE_DIR}/${folder}/*.h" "${SOURCE_DIR}/${folder}/*.cpp"
         "${SOURCE_DIR}/${folder}/*.cu" "${SOURCE_DIR}/${folder}/*.cuh" "${SOURCE_DIR}/${folder}/*.in")
    foreach(source ${sources})
        file(RELATIVE_PATH rel "${SOURCE_DIR}" "${source}")
        if(rel MATCHES "^harness/cli/")  # the executable wires everything together
            continue()
        endif()
        file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
        foreach(line ${includes})
            string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" header "${line}")
            if(header MATCHES "^\\.\\./\\.\\./")
                list(APPEND violations "${rel}: #include \"${header}\" reaches into another folder by a relative path")
            elseif(header MATCHES "^([a-z]+)/")
                set(target "${CMAKE_MATCH_1}")
                if(target IN_LIST project_folders AND NOT target IN_LIST allowed_${folder}
                   AND NOT header IN_LIST also_allowed_${folder})
                    list(APPEND violations "${rel}: #include \"${header}\" (${folder} may include: ${allowed_${folder}})")
                endif()
            endif()
        endforeach()
    endforeach()
endforeach()

if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "includes against the layering:\n  ${text}")
endif()
message(STATUS "layering: every include points down")
