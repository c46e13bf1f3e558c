/*
 * sandboxd-logger: writes one container's stdout and stderr to a size-bounded log.
 *
 * containerd's shim starts it for a task whose stdout URI is binary://<this>?path=..&max-size=..&max-files=..
 * (query pairs become "key value" arguments, in any order). The shim hands over the read ends of
 * the container's stdout and stderr pipes as fds 3 and 4 and waits until fd 5 is closed; the
 * logger then lives as long as the container's pipes, independent of sandboxd.
 *
 * Each line becomes one record in CRI's format, "<RFC3339Nano> stdout|stderr F|P <text>\n"
 * (P: a piece of a line longer than LINE_MAX_BYTES), so the two streams never interleave within
 * a line. Before a record would take the file past max-size, the file is rotated as kubelet does:
 * <path> -> <path>.1 -> ... -> <path>.<max-files - 1>, the oldest dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* containerd's CRI default line size; a record then always fits a file of at least 64 KiB. */
#define LINE_MAX_BYTES 16384
#define READ_BYTES 65536
/* timestamp (30) + " stderr X " (10) + line + "\n" */
#define RECORD_MAX (30 + 10 + LINE_MAX_BYTES + 1)
#define OUT_BYTES (READ_BYTES * 2 + RECORD_MAX)

struct stream {
  int fd;
  const char *name;
  char line[LINE_MAX_BYTES];
  size_t used;
};

static const char *log_path;
static long long max_size;
static int max_files;
static int log_fd = -1;
static long long log_size;
static char out[OUT_BYTES];
static size_t out_used;
static char stamp[31];
static volatile sig_atomic_t terminating;

static void on_term(int sig) {
  (void)sig;
  terminating = 1;
}

static void open_log(void) {
  log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  struct stat st;
  log_size = log_fd >= 0 && fstat(log_fd, &st) == 0 ? st.st_size : 0;
}

/* Writes what is buffered; on a write error (a full disk) the buffered records are dropped,
 * as kubelet's runtimes do, so that the container never blocks on its output. */
static void flush_out(void) {
  if (log_fd < 0) {
    open_log();
  }
  size_t done = 0;
  while (log_fd >= 0 && done < out_used) {
    ssize_t n = write(log_fd, out + done, out_used - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    done += (size_t)n;
    log_size += n;
  }
  out_used = 0;
}

static void rotated_name(char *buf, size_t len, int n) {
  if (n == 0) {
    snprintf(buf, len, "%s", log_path);
  } else {
    snprintf(buf, len, "%s.%d", log_path, n);
  }
}

static void rotate(void) {
  char from[PATH_MAX], to[PATH_MAX];
  if (log_fd >= 0) {
    close(log_fd);
  }
  for (int n = max_files - 1; n >= 1; n--) {
    rotated_name(from, sizeof from, n - 1);
    rotated_name(to, sizeof to, n);
    rename(from, to); /* a missing file is a gap that closes by itself */
  }
  open_log();
}

static void stamp_now(void) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(stamp + n, sizeof stamp - n, ".%09ldZ", ts.tv_nsec);
}

static void emit(const struct stream *s, const char *text, size_t len, char tag) {
  size_t record = strlen(stamp) + 1 + strlen(s->name) + 3 + len + 1;
  if (log_size + (long long)(out_used + record) > max_size && log_size + (long long)out_used > 0) {
    flush_out();
    rotate();
  }
  if (out_used + record > sizeof out) {
    flush_out();
  }
  out_used += (size_t)sprintf(out + out_used, "%s %s %c ", stamp, s->name, tag);
  memcpy(out + out_used, text, len);
  out_used += len;
  out[out_used++] = '\n';
}

/* Splits what was read into lines; a line longer than LINE_MAX_BYTES goes out in P pieces. */
static void consume(struct stream *s, const char *data, size_t len) {
  while (len > 0) {
    const char *nl = memchr(data, '\n', len);
    size_t take = nl ? (size_t)(nl - data) : len;
    if (s->used == 0 && nl && take <= LINE_MAX_BYTES) {
      emit(s, data, take, 'F');
      data += take + 1;
      len -= take + 1;
      continue;
    }
    size_t room = LINE_MAX_BYTES - s->used;
    size_t n = take < room ? take : room;
    memcpy(s->line + s->used, data, n);
    s->used += n;
    data += n;
    len -= n;
    if (n == take && nl) {
      emit(s, s->line, s->used, 'F');
      s->used = 0;
      data++;
      len--;
    } else if (s->used == LINE_MAX_BYTES) {
      emit(s, s->line, s->used, 'P');
      s->used = 0;
    }
  }
}

/* The stream ended: its last line, even without a newline, is a full one. */
static void finish(struct stream *s) {
  if (s->used > 0) {
    stamp_now();
    emit(s, s->line, s->used, 'F');
    s->used = 0;
  }
  close(s->fd);
  s->fd = -1;
}

/* Reads once from a stream; returns 0 when it ended (or failed), 1 when it may have more. */
static int read_once(struct stream *s, char *buf) {
  ssize_t n = read(s->fd, buf, READ_BYTES);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return errno == EINTR;
  }
  if (n <= 0) {
    finish(s);
    return 0;
  }
  stamp_now();
  consume(s, buf, (size_t)n);
  return 1;
}

static int usage(void) {
  fprintf(stderr, "usage: sandboxd-logger path FILE max-size BYTES max-files N (pairs in any order; fds 3, 4, 5 from the shim)\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc % 2 != 1) {
    return usage();
  }
  for (int i = 1; i < argc; i += 2) {
    if (strcmp(argv[i], "path") == 0) {
      log_path = argv[i + 1];
    } else if (strcmp(argv[i], "max-size") == 0) {
      max_size = atoll(argv[i + 1]);
    } else if (strcmp(argv[i], "max-files") == 0) {
      max_files = atoi(argv[i + 1]);
    } else {
      return usage();
    }
  }
  if (log_path == NULL || log_path[0] != '/' || max_size < RECORD_MAX || max_files < 2) {
    return usage();
  }

  sigset_t term, none;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigemptyset(&none);
  /* SIGTERM (the shim's "finish up" after the task is deleted) only interrupts ppoll, so the
   * flag is never missed between a check and the wait. */
  sigprocmask(SIG_BLOCK, &term, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  static struct stream streams[2] = {{.fd = 3, .name = "stdout"}, {.fd = 4, .name = "stderr"}};
  open_log();
  close(5); /* ready: the shim may start the container */

  static char buf[READ_BYTES];
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    if (terminating) {
      /* Take what the pipes still hold, without waiting for writers that may never close. */
      for (int i = 0; i < 2; i++) {
        if (streams[i].fd >= 0) {
          fcntl(streams[i].fd, F_SETFL, O_NONBLOCK);
          while (read_once(&streams[i], buf)) {
          }
          if (streams[i].fd >= 0) {
            finish(&streams[i]);
          }
        }
      }
      break;
    }
    struct pollfd fds[2];
    for (int i = 0; i < 2; i++) {
      fds[i].fd = streams[i].fd;
      fds[i].events = POLLIN;
      fds[i].revents = 0;
    }
    if (ppoll(fds, 2, NULL, &none) < 0) {
      continue;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].revents != 0 && streams[i].fd >= 0) {
        read_once(&streams[i], buf);
      }
    }
    flush_out();
  }
  flush_out();
  return 0;
}
