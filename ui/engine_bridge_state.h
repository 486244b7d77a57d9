#pragma once
// Part of EngineBridge, shared by its source files; no panel includes it.
#include "engine/compute/backend.h"
#include "engine/store/workspace.h"
#include "ui/engine_bridge.h"

#include <filesystem>
#include <map>
#include <memory>
#include <set>

// Engine objects the bridge keeps between jobs. Only jobs touch it, so only the engine
// thread does: SQLite connections and Vulkan devices stay on the thread that made them.
struct EngineBridge::EngineState {
    std::filesystem::path workspacePath;
    std::unique_ptr<ql::Workspace> workspace;
    std::unique_ptr<ql::BackendSet> backends;
    // Workspace model ids that quantize jobs reported, by model path: a fallback for
    // when the workspace records a path spelled differently from the one opened.
    std::map<std::filesystem::path, std::set<int64_t>> knownModelIds;

    ql::Workspace& workspaceAt(const std::filesystem::path& path) {
        if (!workspace || workspacePath != path) {
            workspace.reset();
            if (path.has_parent_path())
                std::filesystem::create_directories(path.parent_path());
            workspace = std::make_unique<ql::Workspace>(path);
            workspacePath = path;
        }
        return *workspace;
    }
    ql::BackendSet& backendSet() {
        if (!backends)
            backends = std::make_unique<ql::BackendSet>();
        return *backends;
    }
};
