#include "actors/replicated_object.hpp"

namespace flexsync::detail {

namespace {

thread_local int node_context_depth = 0;

} // namespace

bool in_node_context() {
  return node_context_depth > 0;
}

node_context_guard::node_context_guard() {
  ++node_context_depth;
}

node_context_guard::~node_context_guard() {
  --node_context_depth;
}

} // namespace flexsync::detail
