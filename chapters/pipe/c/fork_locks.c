/* fork_locks.c: what a lock that another thread holds becomes in the child of
 * fork(2), for a mutex of the program's own and for malloc's.
 *
 * The claim is about C's fork, so the check is in C: chapters/pipe/tests/
 * fork_locks.rs builds it with `cc -pthread` and runs it. No sleep orders
 * anything: the holder says through a pipe that it holds the mutex, and the
 * child tries the lock without waiting (pthread_mutex_trylock).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 1000

static pthread_mutex_t table = PTHREAD_MUTEX_INITIALIZER;
static int held[2]; /* the holder writes one byte once it holds `table` */

static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* Locks `table` and keeps it until the process ends. */
static void *holder(void *unused)
{
    char byte = 1;
    if (pthread_mutex_lock(&table) != 0 || write(held[1], &byte, 1) != 1)
        die("holder");
    for (;;)
        pause();
    return unused;
}

/* Allocates and frees for ever: malloc's locks change hands all the time. */
static void *allocator(void *unused)
{
    for (;;)
        free(malloc(16 + (size_t)rand() % 4096));
    return unused;
}

/* Waits for `pid` and returns its exit status, or -1 if it did not exit. */
static int exit_status(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
    pthread_t thread;
    char byte;
    pid_t pid;
    int worked = 0;

    /* 1. The program's own mutex, held by another thread at the fork. */
    if (pipe(held) != 0 || pthread_create(&thread, NULL, holder, NULL) != 0)
        die("start the holder");
    if (read(held[0], &byte, 1) != 1) /* from now on, `table` is held */
        die("read");
    if ((pid = fork()) < 0)
        die("fork");
    if (pid == 0) /* tries the lock without waiting for it */
        _exit(pthread_mutex_trylock(&table) == EBUSY ? 1 : 0);
    printf("a mutex another thread held at the fork: %s\n",
           exit_status(pid) == 1
               ? "locked in the child, by a thread the child does not have"
               : "free in the child");

    /* 2. malloc's locks: glibc's fork takes them, and resets them in the
     * child, so a child that allocates never finds one held (POSIX does not
     * promise it: malloc is not async-signal-safe). */
    for (int i = 0; i < 2; i++)
        if (pthread_create(&thread, NULL, allocator, NULL) != 0)
            die("start an allocator");
    for (int i = 0; i < CHILDREN; i++) {
        if ((pid = fork()) < 0)
            die("fork");
        if (pid == 0) /* a hang here would be a lock held for ever */
            _exit(malloc(100000) != NULL ? 0 : 1);
        worked += exit_status(pid) == 0;
    }
    printf("malloc in %d children forked while 2 threads allocate: "
           "%d worked\n", CHILDREN, worked);
    return 0;
}
