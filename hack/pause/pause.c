/*
 * sandboxd's pause program: the first process of every pod sandbox. It holds the pod's
 * namespaces open by staying alive, reaps orphans when it is PID 1 of a shared PID namespace,
 * and exits 0 on SIGINT or SIGTERM so a pod stop is a clean exit, not a kill.
 * Signal handlers are installed on purpose: the kernel drops signals without a handler that
 * are sent to PID 1 from inside its namespace, so default dispositions would make it unkillable
 * except by SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "1.0"
#endif

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  int saved_errno = errno, status;
  /* Reap every exited child: signals coalesce, so one SIGCHLD may stand for several exits. */
  while (waitpid(-1, &status, WNOHANG) > 0) {
  }
  errno = saved_errno;
}

static int install(int sig, void (*handler)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    static const char version[] = "sandboxd-pause " PAUSE_VERSION "\n";
    return write(STDOUT_FILENO, version, sizeof version - 1) < 0 ? 1 : 0;
  }
  if (install(SIGINT, on_stop, 0) < 0 || install(SIGTERM, on_stop, 0) < 0
      || install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) {
    return 2;
  }
  for (;;) {
    pause();
  }
}
