// The membership manager. For now it holds the static configuration and its
// quorum system and answers questions about them; dynamic membership (joint
// consensus driven through the log) will extend it without changing the
// other actors, which take the quorum system from the wiring.

#include <caf/all.hpp>

#include "actors/node/local_messages.hpp"
#include "actors/node/spawn.hpp"
#include "protocol/membership.hpp"

namespace flexsync {

namespace {

struct membership_state {
  wiring_ptr w;

  static inline const char* name = "flexsync.membership";
};

using membership_ptr = caf::stateful_actor<membership_state>*;

} // namespace

caf::actor spawn_membership(caf::actor_system& sys) {
  return sys.spawn([](membership_ptr self) -> caf::behavior {
    return {
      [=](init_atom, const wiring_ptr& w) {
        self->state.w = w;
        join_node(self, w);
        self->become(caf::behavior{
          [=](change_atom, const change_request&) {
            // Wired in the next step (issue 11).
            return change_result::denied(
              "dynamic membership is not available yet");
          },
          [=](config_atom) {
            auto& w = *self->state.w;
            return bootstrap_configuration(w.config).current;
          },
          [=](status_atom) {
            auto& w = *self->state.w;
            return membership_status{w.quorum.voters(), w.config.learners,
                                     w.quorum.to_string()};
          },
        });
      },
    };
  });
}

} // namespace flexsync
