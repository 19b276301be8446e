#include "switchyard/client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "protocol/codec.h"
#include "protocol/frame_reader.h"

namespace switchyard {

// Called on the reader thread with the response's error and result objects, or with a
// transport status and nulls when the connection broke.
using ResponseFn =
    std::function<void(const Status&, const msgpack::object*, const msgpack::object*)>;
using ChunkFn = std::function<void(const StreamChunk&)>;

class Client::Impl {
 public:
  explicit Impl(int fd) : fd_(fd), reader_thread_([this] { ReadLoop(); }) {}

  ~Impl() {
    shutdown(fd_, SHUT_RDWR);
    reader_thread_.join();
    close(fd_);
  }

  void Call(const std::function<std::string(uint32_t)>& encode, ResponseFn on_response,
            ChunkFn on_chunk = nullptr) {
    uint32_t id;
    std::unique_lock<std::mutex> lock(mu_);
    if (broken_) {
      lock.unlock();
      on_response(Status::Unavailable("connection to switchyardd is closed"), nullptr, nullptr);
      return;
    }
    id = next_id_++;
    pending_.emplace(id, Pending{std::move(on_response), std::move(on_chunk)});
    lock.unlock();
    std::string frame = encode(id);
    std::lock_guard<std::mutex> wlock(write_mu_);
    size_t off = 0;
    while (off < frame.size()) {
      ssize_t n = send(fd_, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The reader thread sees the broken connection too and fails every pending call.
        shutdown(fd_, SHUT_RDWR);
        return;
      }
      off += static_cast<size_t>(n);
    }
  }

 private:
  void ReadLoop() {
    FrameLimits limits;
    limits.max_frame_bytes = 256 << 20;  // answers can be larger than requests
    FrameReader reader(limits);
    Status failure = Status::Unavailable("connection to switchyardd closed");
    for (;;) {
      auto [buf, cap] = reader.Buffer(size_t{64} << 10);
      ssize_t n = recv(fd_, buf, cap, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      Status s = reader.Commit(static_cast<size_t>(n),
                               [this](msgpack::object_handle&& oh) { Dispatch(oh.get()); });
      if (!s.ok()) {
        failure = Status::Corruption("undecodable answer from switchyardd: " + s.message());
        break;
      }
    }
    std::unordered_map<uint32_t, Pending> orphans;
    {
      std::lock_guard<std::mutex> lock(mu_);
      broken_ = true;
      orphans.swap(pending_);
    }
    for (auto& [id, p] : orphans) p.on_response(failure, nullptr, nullptr);
  }

  void Dispatch(const msgpack::object& frame) {
    Envelope env;
    if (!ParseEnvelope(frame, &env).ok()) return;
    if (env.type == FrameType::kNotification) {
      StreamChunk chunk;
      if (env.method != "chunk" || !env.arg || !DecodeChunk(*env.arg, &chunk).ok()) return;
      ChunkFn fn;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = pending_.find(chunk.msgid);
        if (it == pending_.end()) return;
        fn = it->second.on_chunk;  // a copy: the call may finish while this one runs
      }
      if (fn) fn(chunk);
      return;
    }
    if (env.type != FrameType::kResponse) return;
    ResponseFn fn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(env.msgid);
      if (it == pending_.end()) return;
      fn = std::move(it->second.on_response);
      pending_.erase(it);
    }
    fn(Status::Ok(), env.error, env.result);
  }

  struct Pending {
    ResponseFn on_response;
    ChunkFn on_chunk;
  };

  int fd_;
  std::mutex mu_;  // guards next_id_, pending_, broken_
  uint32_t next_id_ = 1;
  bool broken_ = false;
  std::unordered_map<uint32_t, Pending> pending_;
  std::mutex write_mu_;  // one frame at a time on the socket
  std::thread reader_thread_;
};

namespace {

bool IsNil(const msgpack::object* o) { return !o || o->type == msgpack::type::NIL; }

CompleteReply ToCompleteReply(const Status& s, const msgpack::object* err,
                              const msgpack::object* res) {
  CompleteReply r;
  r.status = s;
  if (!s.ok()) return r;
  if (!IsNil(err)) {
    r.status = DecodeError(*err, &r.error);
    return r;
  }
  r.status = res ? DecodeCompleteResult(*res, &r.result) : Status::Corruption("no result");
  r.ok = r.status.ok();
  return r;
}

}  // namespace

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Status Client::Connect(const std::string& socket_path, std::unique_ptr<Client>* out) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("socket path too long: " + socket_path);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError(std::string("socket: ") + std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(fd);
    return Status::Unavailable("cannot connect to " + socket_path + ": " + std::strerror(err));
  }
  out->reset(new Client(std::make_unique<Impl>(fd)));
  return Status::Ok();
}

void Client::CompleteAsync(const CompleteRequest& req, std::function<void(CompleteReply)> done) {
  impl_->Call(
      [&req](uint32_t id) { return EncodeCompleteCall(id, req); },
      [done = std::move(done)](const Status& s, const msgpack::object* e,
                               const msgpack::object* r) { done(ToCompleteReply(s, e, r)); });
}

void Client::CompleteStreamAsync(const CompleteRequest& req,
                                 std::function<void(const StreamChunk&)> on_chunk,
                                 std::function<void(CompleteReply)> done) {
  CompleteRequest streamed = req;
  streamed.stream = true;
  impl_->Call(
      [&streamed](uint32_t id) { return EncodeCompleteCall(id, streamed); },
      [done = std::move(done)](const Status& s, const msgpack::object* e,
                               const msgpack::object* r) { done(ToCompleteReply(s, e, r)); },
      std::move(on_chunk));
}

CompleteReply Client::CompleteStream(const CompleteRequest& req,
                                     std::function<void(const StreamChunk&)> on_chunk) {
  std::promise<CompleteReply> p;
  std::future<CompleteReply> f = p.get_future();
  CompleteStreamAsync(req, std::move(on_chunk),
                      [&p](CompleteReply r) { p.set_value(std::move(r)); });
  return f.get();
}

CompleteReply Client::Complete(const CompleteRequest& req) {
  std::promise<CompleteReply> p;
  std::future<CompleteReply> f = p.get_future();
  CompleteAsync(req, [&p](CompleteReply r) { p.set_value(std::move(r)); });
  return f.get();
}

StatusReply Client::GetStatus() {
  std::promise<StatusReply> p;
  std::future<StatusReply> f = p.get_future();
  impl_->Call([](uint32_t id) { return EncodeEmptyCall(id, "status"); },
              [&p](const Status& s, const msgpack::object* e, const msgpack::object* r) {
                StatusReply reply;
                reply.status = s;
                if (s.ok() && !IsNil(e)) {
                  reply.status = DecodeError(*e, &reply.error);
                } else if (s.ok()) {
                  reply.status =
                      r ? DecodeStatusResult(*r, &reply.result) : Status::Corruption("no result");
                  reply.ok = reply.status.ok();
                }
                p.set_value(std::move(reply));
              });
  return f.get();
}

Status Client::Ping() {
  std::promise<Status> p;
  std::future<Status> f = p.get_future();
  impl_->Call([](uint32_t id) { return EncodeEmptyCall(id, "ping"); },
              [&p](const Status& s, const msgpack::object* e, const msgpack::object*) {
                if (s.ok() && !IsNil(e)) {
                  p.set_value(Status::Internal("ping refused"));
                } else {
                  p.set_value(s);
                }
              });
  return f.get();
}

}  // namespace switchyard
