# The headers a user includes: the node handle, its configuration and
# status, the transports, replicated objects and coroutines, every battery,
# metrics, the admin client. docs.cmake documents exactly these;
# install.cmake installs them and what they include in turn.
set(FLEXSYNC_API_HEADERS
  actors/node/node.hpp
  actors/node/node_status.hpp
  actors/node/logger.hpp
  actors/node/manual_loop.hpp
  actors/node/system_config.hpp
  actors/objects/coro.hpp
  actors/objects/replicated_object.hpp
  actors/transport/local_network.hpp
  actors/transport/tcp_transport.hpp
  admin/admin_client.hpp
  protocol/config.hpp
  protocol/fail_reason.hpp
  protocol/metrics.hpp
  protocol/placement.hpp
  protocol/quorum_spec.hpp
  protocol/read_mode.hpp
  protocol/types.hpp
  state_machines/battery.hpp
  state_machines/lock_client.hpp
  state_machines/repl_counter.hpp
  state_machines/repl_dict.hpp
  state_machines/repl_list.hpp
  state_machines/repl_lock_manager.hpp
  state_machines/repl_priority_queue.hpp
  state_machines/repl_queue.hpp
  state_machines/repl_set.hpp
  state_machines/state_machine.hpp)
