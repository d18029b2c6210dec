// The c10d part of paddlers (cargo feature `distributed`): a TCPStore rendezvous and a
// ProcessGroupGloo, behind a C interface that never lets a C++ exception cross into Rust.
// Every function returns 0 on success; on failure it returns -1 and hands back a message
// (malloc'd, freed with pdl_c10d_free_message).
//
// Built by runtime/build.rs against the torch wheel's headers and Debian's gloo headers
// (libgloo-dev); see ../shared/DISTRIBUTED.md for the measured facts this relies on.

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::chrono::milliseconds timeout;
};

char* copy_message(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) {
    std::memcpy(out, s.c_str(), s.size() + 1);
  }
  return out;
}

template <typename F>
int guarded(char** err, F&& f) {
  try {
    f();
    return 0;
  } catch (const std::exception& e) {
    *err = copy_message(e.what());
  } catch (...) {
    *err = copy_message("unknown C++ exception in c10d");
  }
  return -1;
}

void wait(Group* g, const c10::intrusive_ptr<c10d::Work>& work) {
  if (!work->wait(g->timeout)) {
    throw std::runtime_error("a c10d collective did not complete");
  }
}

}  // namespace

extern "C" {

// Rendezvous at host:port as `rank` of `world`. Rank 0 serves the store unless
// `all_clients` (torchrun's agent already serves it). `iface`, if not empty, names the
// network interface gloo binds to; otherwise gloo binds to `bind_host`.
int pdl_c10d_new(const char* host, int port, int rank, int world, int timeout_ms,
                 int all_clients, const char* iface, const char* bind_host, void** out,
                 char** err) {
  return guarded(err, [&] {
    auto timeout = std::chrono::milliseconds(timeout_ms);
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = rank == 0 && all_clients == 0;
    opts.numWorkers = static_cast<std::size_t>(world);
    opts.waitWorkers = false;
    opts.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
    auto store = c10::make_intrusive<c10d::PrefixStore>("paddlers/", tcp);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    if (iface != nullptr && iface[0] != '\0') {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(bind_host));
    }
    auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, options);
    *out = new Group{store, pg, timeout};
  });
}

// Sums `tensor` (an at::Tensor*, tch's tensor handle) over all ranks, in place.
int pdl_c10d_allreduce_sum(void* group, void* tensor, char** err) {
  return guarded(err, [&] {
    auto* g = static_cast<Group*>(group);
    std::vector<at::Tensor> ts{*static_cast<at::Tensor*>(tensor)};
    wait(g, g->pg->allreduce(ts));
  });
}

// Replaces `tensor` on every rank by root's, in place.
int pdl_c10d_broadcast(void* group, void* tensor, int root, char** err) {
  return guarded(err, [&] {
    auto* g = static_cast<Group*>(group);
    std::vector<at::Tensor> ts{*static_cast<at::Tensor*>(tensor)};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    wait(g, g->pg->broadcast(ts, opts));
  });
}

int pdl_c10d_barrier(void* group, char** err) {
  return guarded(err, [&] {
    auto* g = static_cast<Group*>(group);
    wait(g, g->pg->barrier());
  });
}

void pdl_c10d_free(void* group) {
  try {
    delete static_cast<Group*>(group);
  } catch (...) {
  }
}

void pdl_c10d_free_message(char* message) { std::free(message); }

}  // extern "C"
