#include "http/curl_http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <string>

namespace switchyard {
namespace {

constexpr size_t kMaxIdleEasies = 256;
constexpr size_t kMaxHeaderLists = 64;  // past this, lists of providers gone are dropped

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TransportError Classify(CURLcode rc, CURL* easy) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return TransportError::kConnect;
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connect_us = 0;
      curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
      return connect_us == 0 ? TransportError::kConnect : TransportError::kTimeout;
    }
    case CURLE_WRITE_ERROR:
      return TransportError::kTooLarge;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return TransportError::kTls;
    default:
      return TransportError::kOther;
  }
}

bool HeaderIs(const char* line, size_t len, const char* name, std::string* value) {
  size_t n = std::strlen(name);
  if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') return false;
  size_t start = n + 1;
  while (start < len && (line[start] == ' ' || line[start] == '\t')) ++start;
  size_t end = len;
  while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' '))
    --end;
  value->assign(line + start, end - start);
  return true;
}

}  // namespace

struct CurlHttpClient::HeaderList {
  HeaderLines lines;  // held, so the pointer it is found by stays this list's
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

struct CurlHttpClient::Transfer {
  CurlHttpClient* owner = nullptr;
  Id id = 0;
  CURL* easy = nullptr;
  std::shared_ptr<HeaderList> headers;  // shared with other transfers to the same provider
  HttpRequest req;
  HttpResponse resp;
  Callback done;
  // Streams: bytes received inside curl's callbacks, handed to req.on_data after it returns.
  std::string stream_buf;
  size_t streamed_bytes = 0;
  int stream_state = 0;         // 0: status not seen yet; 1: 2xx, stream it; -1: collect as a body
  char error[CURL_ERROR_SIZE];  // curl's detail of a failure ("SSL certificate problem: ...")
};

struct CurlHttpClient::Socket {
  uv_poll_t poll;
  curl_socket_t fd;
  CurlHttpClient* owner;
};

CurlHttpClient::CurlHttpClient(uv_loop_t* loop) : loop_(loop) {
  GlobalInitOnce();
  CURLM* multi = curl_multi_init();
  multi_ = multi;
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlHttpClient::OnCurlSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::OnCurlTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  uv_timer_init(loop_, &timer_);
  timer_.data = this;
}

CurlHttpClient::~CurlHttpClient() {
  if (!closed_) Close();
  for (const IdleEasy& e : idle_easies_) curl_easy_cleanup(static_cast<CURL*>(e.easy));
}

std::shared_ptr<CurlHttpClient::HeaderList> CurlHttpClient::HeadersFor(const HeaderLines& lines,
                                                                       bool signed_request) {
  auto it = header_lists_.find({lines.get(), signed_request});
  if (it != header_lists_.end()) return it->second;
  if (header_lists_.size() >= kMaxHeaderLists) {
    // Only this map still holds lines whose provider is gone (a reload replaced it).
    std::erase_if(header_lists_, [](const auto& kv) {
      return kv.second->lines && kv.second->lines.use_count() == 1;
    });
  }
  auto h = std::make_shared<HeaderList>();
  h->lines = lines;
  if (lines) {
    for (const std::string& line : *lines) h->list = curl_slist_append(h->list, line.c_str());
  }
  // curl would otherwise wait for "100 Continue" before sending a large prompt.
  if (!signed_request) h->list = curl_slist_append(h->list, "Expect:");
  header_lists_.emplace(std::make_pair(lines.get(), signed_request), h);
  return h;
}

void CurlHttpClient::SetConstantOptions(void* easy, const std::string& ca_file) {
  CURL* e = static_cast<CURL*>(easy);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &CurlHttpClient::OnBody);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &CurlHttpClient::OnHeader);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, ca_file.c_str());
}

HttpClient::Id CurlHttpClient::Start(HttpRequest req, Callback done) {
  if (closed_) return 0;
  auto t = std::make_unique<Transfer>();
  t->owner = this;
  t->id = next_id_++;
  t->req = std::move(req);
  t->done = std::move(done);
  if (!idle_easies_.empty()) {
    IdleEasy idle = std::move(idle_easies_.back());
    idle_easies_.pop_back();
    t->easy = static_cast<CURL*>(idle.easy);
    // CAINFO cannot be unset back to the system's default, nor the SigV4 authentication
    // back to none: a handle set up for another CA file, or signed, starts over.
    if (idle.ca_file != t->req.ca_file || idle.signed_aws) {
      curl_easy_reset(t->easy);
      SetConstantOptions(t->easy, t->req.ca_file);
    }
  } else {
    t->easy = curl_easy_init();
    if (t->easy) SetConstantOptions(t->easy, t->req.ca_file);
  }
  if (!t->easy) return 0;
  t->headers = HeadersFor(t->req.headers, t->req.aws != nullptr);
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, t->req.url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers->list);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->req.body.size()));
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  t->error[0] = '\0';
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->req.timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t->req.connect_timeout_ms));
  // PIPEWAIT only for TLS, where HTTP/2 may multiplex; on cleartext HTTP/1.1 it would make
  // a request wait for a busy connection instead of opening another.
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, t->req.url.rfind("https://", 0) == 0 ? 1L : 0L);
  if (t->req.aws) {
    // Without the "Expect:" line, a large prompt over HTTP/1.1 may be preceded by
    // "Expect: 100-continue": send it without waiting for the answer.
    curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, t->req.aws->provider.c_str());
    curl_easy_setopt(e, CURLOPT_USERNAME, t->req.aws->access_key_id.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, t->req.aws->secret_access_key.c_str());
  }
  if (curl_multi_add_handle(static_cast<CURLM*>(multi_), e) != CURLM_OK) {
    curl_easy_cleanup(e);
    return 0;
  }
  Id id = t->id;
  transfers_.emplace(id, std::move(t));
  return id;
}

void CurlHttpClient::Cancel(Id id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  Release(t.get());
}

void CurlHttpClient::Release(Transfer* t) {
  curl_multi_remove_handle(static_cast<CURLM*>(multi_), t->easy);
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, nullptr);  // it points into `t`
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, nullptr);   // and this into its list
  t->headers.reset();
  if (idle_easies_.size() < kMaxIdleEasies) {
    idle_easies_.push_back(IdleEasy{t->easy, t->req.ca_file, t->req.aws != nullptr});
  } else {
    curl_easy_cleanup(t->easy);
  }
  t->easy = nullptr;
}

void CurlHttpClient::Close() {
  if (closed_) return;
  closed_ = true;
  while (!transfers_.empty()) Cancel(transfers_.begin()->first);
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
  multi_ = nullptr;
  // curl may not announce the removal of every socket while cleaning up.
  idle_sockets_.clear();
  for (Socket* s : sockets_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&s->poll),
             [](uv_handle_t* h) { delete static_cast<Socket*>(h->data); });
  }
  sockets_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

int CurlHttpClient::OnCurlSocket(void* /*easy*/, int fd, int what, void* userp, void* socketp) {
  auto* self = static_cast<CurlHttpClient*>(userp);
  auto* sock = static_cast<Socket*>(socketp);
  if (what == CURL_POLL_REMOVE) {
    if (sock) {
      // curl says this after every transfer on a kept-alive connection, and asks again for
      // the same descriptor on the next one. Stopping (not closing) the poll handle and
      // keeping it by descriptor saves a uv_poll_init (an ioctl) and a close per request.
      uv_poll_stop(&sock->poll);
      self->idle_sockets_[fd] = sock;
      curl_multi_assign(static_cast<CURLM*>(self->multi_), fd, nullptr);
    }
    return 0;
  }
  if (!sock) {
    auto idle = self->idle_sockets_.find(fd);
    if (idle != self->idle_sockets_.end()) {
      // The same descriptor number: either the same connection again, or a new socket that
      // got the number after curl closed the old one. A stopped poll handle serves both.
      sock = idle->second;
      self->idle_sockets_.erase(idle);
    } else {
      sock = new Socket;
      sock->fd = fd;
      sock->owner = self;
      if (uv_poll_init_socket(self->loop_, &sock->poll, fd) != 0) {
        delete sock;
        return -1;
      }
      sock->poll.data = sock;
      self->sockets_.insert(sock);
    }
    curl_multi_assign(static_cast<CURLM*>(self->multi_), fd, sock);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(&sock->poll, events, &CurlHttpClient::OnPoll);
  return 0;
}

int CurlHttpClient::OnCurlTimer(void* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<CurlHttpClient*>(userp);
  if (timeout_ms < 0) {
    uv_timer_stop(&self->timer_);
  } else {
    // Zero means "as soon as possible": the next loop iteration, never from inside curl.
    uv_timer_start(&self->timer_, &CurlHttpClient::OnTimer, static_cast<uint64_t>(timeout_ms), 0);
  }
  return 0;
}

void CurlHttpClient::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* sock = static_cast<Socket*>(handle->data);
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  sock->owner->Drive(sock->fd, flags);
}

void CurlHttpClient::OnTimer(uv_timer_t* handle) {
  static_cast<CurlHttpClient*>(handle->data)->Drive(CURL_SOCKET_TIMEOUT, 0);
}

void CurlHttpClient::Drive(int fd, int ev_bitmask) {
  if (closed_) return;
  int running = 0;
  curl_multi_socket_action(static_cast<CURLM*>(multi_), fd, ev_bitmask, &running);
  FlushStreams();
  if (closed_) return;
  CollectDone();
}

void CurlHttpClient::FlushStreams() {
  std::vector<Id> ready;
  ready.swap(streaming_ready_);
  for (Id id : ready) {
    // Each callback may cancel any transfer, this one included: look it up afresh.
    auto it = transfers_.find(id);
    if (it == transfers_.end() || it->second->stream_buf.empty()) continue;
    std::string data;
    data.swap(it->second->stream_buf);
    it->second->req.on_data(data);
    if (closed_) return;
  }
}

void CurlHttpClient::CollectDone() {
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(static_cast<CURLM*>(multi_), &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* raw = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
    CURLcode rc = msg->data.result;
    auto it = transfers_.find(raw->id);
    if (it == transfers_.end()) continue;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    if (rc != CURLE_OK) {
      t->resp.error = Classify(rc, t->easy);
      if (t->resp.error == TransportError::kTooLarge) {
        t->resp.error_message = "answer larger than " + std::to_string(t->req.max_response_bytes) +
                                " bytes (max_response_bytes); abandoned";
      } else {
        t->resp.error_message = t->error[0] ? t->error : curl_easy_strerror(rc);
      }
    }
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    t->resp.status = status;
    Release(t.get());
    LeaveSpareRoom(&t->resp.body);
    // The callback may start or cancel transfers; nothing of `t` is in curl any more.
    t->done(std::move(t->resp));
    if (closed_) return;
  }
}

size_t CurlHttpClient::OnBody(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t bytes = size * n;
  if (t->req.on_data) {
    if (t->stream_state == 0) {
      long status = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
      t->stream_state = status >= 200 && status < 300 ? 1 : -1;
    }
    if (t->stream_state == 1) {
      t->streamed_bytes += bytes;
      if (t->streamed_bytes > t->req.max_response_bytes) return 0;  // CURLE_WRITE_ERROR
      if (t->stream_buf.empty()) t->owner->streaming_ready_.push_back(t->id);
      t->stream_buf.append(data, bytes);
      return bytes;
    }
  }
  if (t->resp.body.size() + bytes > t->req.max_response_bytes) return 0;  // CURLE_WRITE_ERROR
  t->resp.body.append(data, bytes);
  return bytes;
}

size_t CurlHttpClient::OnHeader(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t bytes = size * n;
  std::string value;
  if (HeaderIs(data, bytes, "retry-after", &value)) {
    t->resp.retry_after = value;
  } else if (HeaderIs(data, bytes, "retry-after-ms", &value)) {
    t->resp.retry_after_ms = value;
  } else if (HeaderIs(data, bytes, "x-amzn-errortype", &value)) {
    t->resp.error_type = value;
  } else if (!t->req.on_data && HeaderIs(data, bytes, "content-length", &value)) {
    size_t len = std::strtoull(value.c_str(), nullptr, 10);
    if (len <= t->req.max_response_bytes) t->resp.body.reserve(len + kBodySpareBytes);
  }
  return bytes;
}

}  // namespace switchyard
