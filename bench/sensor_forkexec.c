/*
 * The workload of bench/sensor_exec.py: N fork+exec+wait rounds of one program, as
 * fast as one process can go; prints the elapsed nanoseconds.
 *
 *   sensor_forkexec N PROGRAM
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: sensor_forkexec N PROGRAM\n"); return 64; }
  long n = atol(argv[1]);
  char *target = argv[2];
  char *args[] = {target, NULL};
  char *env[] = {NULL};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) { execve(target, args, env); _exit(127); }
    int st; waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { fprintf(stderr, "child failed\n"); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%ld\n", (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  return 0;
}
