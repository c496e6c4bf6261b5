// Batched UDP for the media workers (Linux, IPv4). Node's dgram costs a libuv
// wake-up, a Buffer and an rinfo object per received packet and a request
// object per sent one (about 8 + 6 µs each); a conference of 1,000 members
// moves 100,000 packets a second. Here the worker's sockets are plain
// non-blocking descriptors in one epoll set: once per 20 ms tick, `poll` reads
// every waiting datagram into one buffer with the kernel's arrival time, and
// `send` writes the tick's packets, each in one system call, without leaving C.
//
// Exports (all synchronous; errors thrown as Error with .code = "EADDRINUSE" etc.):
//   open(host: string, port: number): fd            bind a UDP socket (SO_TIMESTAMPNS on)
//   close(fd)
//   localPort(fd): port                             the bound port (after open(host, 0))
//   connect(fd, addr: uint32, port)                 connect(); send with port 0 then uses it
//   disconnect(fd)
//   epoll(): epfd
//   watch(epfd, fd, token)  /  unwatch(epfd, fd)
//   poll(epfd, buf: Uint8Array, meta: Int32Array): count
//        datagrams laid out in SLOT-byte slots of buf; meta holds POLL_FIELDS
//        ints per datagram: token, offset, length (-1: truncated; -2: a socket
//        error, whose errno is in the last field), source address (uint32 as
//        int32), source port, age in µs (now − kernel arrival).
//        Stops when buf or meta is full (epoll is level-triggered: the rest waits).
//   send(buf, meta: Int32Array, count): failures
//        meta holds SEND_FIELDS ints per packet: fd, offset, length, address,
//        port (0: the connected peer), and errno written back (0 = sent).
//
// The descriptors a thread opens (sockets and epoll sets) are its own: when
// the thread's environment ends — a media worker that exits or is terminated
// after a crash — whatever it left open is closed, so its ports come free.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME udp_batch
#endif

#define SLOT 2048
#define POLL_FIELDS 6
#define SEND_FIELDS 6
#define MAX_EVENTS 4096
#define BATCH 8

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  const char *name = NULL;
  switch (err) {
    case EADDRINUSE: name = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case EACCES: name = "EACCES"; break;
    case EBADF: name = "EBADF"; break;
    case EINVAL: name = "EINVAL"; break;
    case EMFILE: name = "EMFILE"; break;
    case ENFILE: name = "ENFILE"; break;
    default: name = "EIO"; break;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int arg_uint(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

/** A typed array's bytes (any element type) and its element count. */
static int arg_typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return 0;
  return type == want;
}

static napi_value int_value(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

static napi_value undefined_value(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

/** The descriptors one environment (thread) holds open: a flag per fd number. */
typedef struct {
  unsigned char *open;
  size_t cap;
} owned_fds;

static void owned_close_all(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  owned_fds *o = data;
  for (size_t fd = 0; fd < o->cap; fd++) if (o->open[fd]) close((int)fd);
  free(o->open);
  free(o);
}

static owned_fds *owned_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

/** Records fd as held by this environment; 0 when out of memory (the caller closes it). */
static int owned_add(napi_env env, int fd) {
  owned_fds *o = owned_of(env);
  if (o == NULL || fd < 0) return 0;
  if ((size_t)fd >= o->cap) {
    size_t cap = o->cap ? o->cap : 1024;
    while (cap <= (size_t)fd) cap *= 2;
    unsigned char *grown = realloc(o->open, cap);
    if (grown == NULL) return 0;
    memset(grown + o->cap, 0, cap - o->cap);
    o->open = grown;
    o->cap = cap;
  }
  o->open[fd] = 1;
  return 1;
}

static void owned_remove(napi_env env, int fd) {
  owned_fds *o = owned_of(env);
  if (o != NULL && fd >= 0 && (size_t)fd < o->cap) o->open[fd] = 0;
}

#define ARGS(n)                                                                 \
  size_t argc = n;                                                              \
  napi_value argv[n];                                                           \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) \
    return throw_type(env, "missing arguments");

static napi_value js_open(napi_env env, napi_callback_info info) {
  ARGS(2);
  char host[64];
  size_t host_len;
  int32_t port;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok) return throw_type(env, "host must be a string");
  if (!arg_int(env, argv[1], &port) || port < 0 || port > 65535) return throw_type(env, "port must be 0–65535");
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return throw_type(env, "host must be an IPv4 address");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int err = errno;
    close(fd);
    char what[96];
    snprintf(what, sizeof what, "bind %s:%d", host, port);
    return throw_errno(env, err, what);
  }
  if (!owned_add(env, fd)) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  return int_value(env, fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return throw_type(env, "fd must be an integer");
  owned_remove(env, fd);
  close(fd);
  return undefined_value(env);
}

/** An IPv4 socket address from a host-order address and a port. */
static struct sockaddr_in ipv4_address(uint32_t addr, int32_t port) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(addr);
  return sa;
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return throw_type(env, "fd must be an integer");
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return throw_errno(env, errno, "getsockname");
  return int_value(env, ntohs(sa.sin_port));
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd, port;
  uint32_t addr;
  if (!arg_int(env, argv[0], &fd) || !arg_uint(env, argv[1], &addr) || !arg_int(env, argv[2], &port)) return throw_type(env, "connect(fd, addr, port)");
  struct sockaddr_in sa = ipv4_address(addr, port);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) return throw_errno(env, errno, "connect");
  return undefined_value(env);
}

static napi_value js_disconnect(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!arg_int(env, argv[0], &fd)) return throw_type(env, "fd must be an integer");
  struct sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  connect(fd, &sa, sizeof sa); // dissolves the association; errors mean there was none
  return undefined_value(env);
}

static napi_value js_epoll(napi_env env, napi_callback_info info) {
  (void)info;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return throw_errno(env, errno, "epoll_create1");
  if (!owned_add(env, epfd)) {
    close(epfd);
    return throw_errno(env, ENOMEM, "epoll");
  }
  return int_value(env, epfd);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t epfd, fd;
  uint32_t token;
  if (!arg_int(env, argv[0], &epfd) || !arg_int(env, argv[1], &fd) || !arg_uint(env, argv[2], &token)) return throw_type(env, "watch(epfd, fd, token)");
  struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = ((uint64_t)token << 32) | (uint32_t)fd}};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return throw_errno(env, errno, "epoll_ctl");
  return undefined_value(env);
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t epfd, fd;
  if (!arg_int(env, argv[0], &epfd) || !arg_int(env, argv[1], &fd)) return throw_type(env, "unwatch(epfd, fd)");
  epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
  return undefined_value(env);
}

// One per thread: every media worker polls its own set.
static __thread struct epoll_event events[MAX_EVENTS];

static napi_value js_poll(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t epfd;
  uint8_t *buf;
  int32_t *meta;
  size_t buf_len, meta_len;
  if (!arg_int(env, argv[0], &epfd)) return throw_type(env, "epfd must be an integer");
  if (!arg_typed(env, argv[1], napi_uint8_array, (void **)&buf, &buf_len)) return throw_type(env, "buf must be a Uint8Array");
  if (!arg_typed(env, argv[2], napi_int32_array, (void **)&meta, &meta_len)) return throw_type(env, "meta must be an Int32Array");
  size_t capacity = buf_len / SLOT;
  if (meta_len / POLL_FIELDS < capacity) capacity = meta_len / POLL_FIELDS;
  if (capacity == 0) return int_value(env, 0);

  int ready = epoll_wait(epfd, events, MAX_EVENTS, 0);
  if (ready < 0) return errno == EINTR ? int_value(env, 0) : throw_errno(env, errno, "epoll_wait");

  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_in from[BATCH];
  char control[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  size_t count = 0;

  for (int e = 0; e < ready && count < capacity; e++) {
    int fd = (int)(uint32_t)events[e].data.u64;
    int32_t token = (int32_t)(events[e].data.u64 >> 32);
    int errors = 0;
    for (;;) { // this socket until it is empty or the buffer is full
      size_t room = capacity - count;
      unsigned vlen = room < BATCH ? (unsigned)room : BATCH;
      if (vlen == 0) break;
      for (unsigned i = 0; i < vlen; i++) {
        iov[i].iov_base = buf + (count + i) * SLOT;
        iov[i].iov_len = SLOT;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
      }
      int got = recvmmsg(fd, msgs, vlen, MSG_DONTWAIT, NULL);
      if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // A pending socket error (ECONNREFUSED from an ICMP port unreachable on
        // a connected socket): reading it cleared it, so it is passed on now.
        int32_t *m = meta + count * POLL_FIELDS;
        m[0] = token;
        m[1] = 0;
        m[2] = -2;
        m[3] = 0;
        m[4] = 0;
        m[5] = errno;
        count++;
        if (++errors > 1) break; // one more read for datagrams behind the error, no more
        continue;
      }
      if (got <= 0) break; // empty
      for (int i = 0; i < got; i++) {
        int32_t *m = meta + count * POLL_FIELDS;
        int64_t age_us = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            age_us = (int64_t)(now.tv_sec - ts.tv_sec) * 1000000 + (now.tv_nsec - ts.tv_nsec) / 1000;
            if (age_us < 0) age_us = 0;
            if (age_us > 10000000) age_us = 10000000;
          }
        }
        m[0] = token;
        m[1] = (int32_t)((count) * SLOT);
        m[2] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)msgs[i].msg_len;
        m[3] = (int32_t)ntohl(from[i].sin_addr.s_addr);
        m[4] = ntohs(from[i].sin_port);
        m[5] = (int32_t)age_us;
        count++;
      }
      if ((unsigned)got < vlen) break; // drained
    }
  }
  return int_value(env, (int32_t)count);
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  ARGS(3);
  uint8_t *buf;
  int32_t *meta;
  size_t buf_len, meta_len;
  int32_t count;
  if (!arg_typed(env, argv[0], napi_uint8_array, (void **)&buf, &buf_len)) return throw_type(env, "buf must be a Uint8Array");
  if (!arg_typed(env, argv[1], napi_int32_array, (void **)&meta, &meta_len)) return throw_type(env, "meta must be an Int32Array");
  if (!arg_int(env, argv[2], &count) || count < 0 || (size_t)count * SEND_FIELDS > meta_len) return throw_type(env, "count out of range");
  int failures = 0;
  for (int32_t i = 0; i < count; i++) {
    int32_t *m = meta + (size_t)i * SEND_FIELDS;
    int32_t fd = m[0], offset = m[1], length = m[2], port = m[4];
    if (offset < 0 || length < 0 || (size_t)offset + (size_t)length > buf_len) { m[5] = EINVAL; failures++; continue; }
    ssize_t sent;
    if (port == 0) {
      sent = send(fd, buf + offset, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL);
    } else {
      struct sockaddr_in to = ipv4_address((uint32_t)m[3], port);
      sent = sendto(fd, buf + offset, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
    }
    if (sent < 0) { m[5] = errno; failures++; } else m[5] = 0;
  }
  return int_value(env, failures);
}

#define EXPORT(name, fn)                                                          \
  do {                                                                            \
    napi_value f;                                                                 \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);              \
    napi_set_named_property(env, exports, name, f);                               \
  } while (0)

static napi_value init(napi_env env, napi_value exports) {
  owned_fds *owned = calloc(1, sizeof *owned);
  if (owned == NULL || napi_set_instance_data(env, owned, owned_close_all, NULL) != napi_ok) {
    free(owned);
    napi_throw_error(env, NULL, "udp-batch: cannot keep per-thread descriptors");
    return NULL;
  }
  EXPORT("open", js_open);
  EXPORT("close", js_close);
  EXPORT("localPort", js_local_port);
  EXPORT("connect", js_connect);
  EXPORT("disconnect", js_disconnect);
  EXPORT("epoll", js_epoll);
  EXPORT("watch", js_watch);
  EXPORT("unwatch", js_unwatch);
  EXPORT("poll", js_poll);
  EXPORT("send", js_send);
  napi_value v;
  napi_create_int32(env, SLOT, &v);
  napi_set_named_property(env, exports, "SLOT", v);
  napi_create_int32(env, POLL_FIELDS, &v);
  napi_set_named_property(env, exports, "POLL_FIELDS", v);
  napi_create_int32(env, SEND_FIELDS, &v);
  napi_set_named_property(env, exports, "SEND_FIELDS", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
