// The harness's own replicated object (a register of appended values) and
// the simulator's default persistence settings.
#include <caf/all.hpp>

#include "scenarios/sim/cluster.hpp"

namespace flexsync::sim {

persistence_options cluster_options::default_sim_persistence() {
  using namespace std::chrono_literals;
  persistence_options p;
  p.use_fork = false;
  p.segment_bytes = 4096;
  p.snapshot_threshold_entries = 1000000;
  p.snapshot_threshold_bytes = 1ull << 40;
  p.snapshot_chunk_bytes = 1 << 20;
  p.snapshot_check_interval = 100ms;
  return p;
}

caf::error sim_register::save(caf::serializer& sink) {
  return sink(values);
}

caf::error sim_register::load(caf::deserializer& source) {
  std::vector<std::string> xs;
  if (auto err = source(xs))
    return err;
  values = std::move(xs);
  return caf::none;
}

caf::behavior sim_register::make_behavior() {
  return {
      [this](put_atom, std::string& value) {
        values.push_back(std::move(value));
        return uint64_t{values.size()};
      },
  };
}

} // namespace flexsync::sim
