#include "engine/store/policy_store.h"

#include "engine/store/sqlite_util.h"

namespace ql {

namespace {

const char* kPolicyColumns = "SELECT id, name, body, created_at FROM gate_policies";

StoredPolicy readPolicy(const sql::Statement& st) {
    return {st.integer(0), st.text(1), st.text(2), st.text(3)};
}

} // namespace

std::vector<StoredPolicy> gatePolicies(const Workspace& ws) {
    sql::Statement st(ws.handle(), std::string(kPolicyColumns) + " ORDER BY id", ws.path());
    std::vector<StoredPolicy> out;
    while (st.step())
        out.push_back(readPolicy(st));
    return out;
}

std::optional<StoredPolicy> gatePolicy(const Workspace& ws, int64_t id) {
    sql::Statement st(ws.handle(), std::string(kPolicyColumns) + " WHERE id = ?", ws.path());
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readPolicy(st);
}

} // namespace ql
