// switchyard_byte_relay: the least a proxy between an HTTP/1.1 client and a provider can
// do. Each accepted loopback connection gets its own connection to the provider, and bytes
// go across both ways as they come: no parsing, no pool, nothing written down. `bench
// --only peers` runs it as the floor under the doors: two reads and two writes a request,
// and the wake-ups they cost, on one epoll thread.
//
//   switchyard_byte_relay LISTEN_PORT PROVIDER_PORT
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Writes all of `n` bytes to a non-blocking socket. A full buffer is waited out in place:
// the benchmark's requests and answers are a few kilobytes, so it does not happen.
bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
    } else if (w < 0 && errno == EAGAIN) {
      usleep(50);
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s LISTEN_PORT PROVIDER_PORT\n", argv[0]);
    return 2;
  }
  const int provider_port = std::atoi(argv[2]);
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in at = Loopback(std::atoi(argv[1]));
  if (bind(listener, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0 ||
      listen(listener, 511) != 0) {
    std::perror("listen");
    return 1;
  }
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::vector<int> peer(1 << 16, -1);  // each descriptor's other side
  std::vector<char> buf(64 << 10);
  epoll_event events[256];
  while (true) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          int up = socket(AF_INET, SOCK_STREAM, 0);  // blocking for its connect: loopback
          sockaddr_in to = Loopback(provider_port);
          if (connect(up, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
            close(up);
            close(client);
            continue;
          }
          fcntl(up, F_SETFL, fcntl(up, F_GETFL) | O_NONBLOCK);
          NoDelay(client);
          NoDelay(up);
          peer[static_cast<size_t>(client)] = up;
          peer[static_cast<size_t>(up)] = client;
          for (int side : {client, up}) {
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.fd = side;
            epoll_ctl(ep, EPOLL_CTL_ADD, side, &e);
          }
        }
        continue;
      }
      int other = peer[static_cast<size_t>(fd)];
      if (other < 0) continue;
      ssize_t r = read(fd, buf.data(), buf.size());
      if (r > 0 && WriteAll(other, buf.data(), static_cast<size_t>(r))) continue;
      if (r < 0 && errno == EAGAIN) continue;
      // One side closed or failed: both go.
      peer[static_cast<size_t>(fd)] = peer[static_cast<size_t>(other)] = -1;
      close(fd);
      close(other);
    }
  }
}
