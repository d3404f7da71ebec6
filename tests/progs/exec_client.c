/* exec_client: a minimal `kubectl exec` over an ExecContainerCommand
 * WebSocketUri, for suites and debugging. Copies its stdin to the command
 * (with --stdin; EOF becomes a v5 CLOSE), the command's stdout/stderr to its
 * own, and exits with the command's exit code (1 with a message on failure).
 *
 *   exec_client [--stdin] [--resize WxH] [--ca FILE] [--insecure]
 *               [--protocols LIST] [--timeout SECONDS] URI */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/k8schan.h"
#include "eci/exec_stream.h"

static void on_output(void *ud, int channel, const void *data, size_t len)
{
    (void)ud;
    int fd = channel == K8SCHAN_STDERR ? 2 : 1;
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    eci_exec_opts o;
    memset(&o, 0, sizeof o);
    o.on_output = on_output;
    int use_stdin = 0, timeout = -1;
    unsigned w = 0, h = 0;
    const char *uri = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stdin"))
            use_stdin = 1;
        else if (!strcmp(argv[i], "--insecure"))
            o.insecure_skip_verify = 1;
        else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
            o.ca_file = argv[++i];
        else if (!strcmp(argv[i], "--protocols") && i + 1 < argc)
            o.protocols = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout = atoi(argv[++i]) * 1000;
        else if (!strcmp(argv[i], "--resize") && i + 1 < argc && sscanf(argv[i + 1], "%ux%u", &w, &h) == 2)
            i++;
        else if (argv[i][0] != '-' && !uri)
            uri = argv[i];
        else {
            fprintf(stderr, "usage: exec_client [--stdin] [--resize WxH] [--ca FILE] [--insecure] "
                            "[--protocols LIST] [--timeout S] URI\n");
            return 2;
        }
    }
    if (!uri) {
        fprintf(stderr, "exec_client: a URI is required\n");
        return 2;
    }
    eci_error err;
    eci_exec_stream *s = eci_exec_open(uri, &o, &err);
    if (!s) {
        fprintf(stderr, "exec_client: %s\n", err.detail);
        return 1;
    }
    if (w && h)
        eci_exec_resize(s, w, h);
    if (use_stdin) {
        char buf[32768];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) > 0)
            if (eci_exec_write_stdin(s, buf, (size_t)n) < 0)
                break;
        eci_exec_close_stdin(s);
    }
    int code;
    int rc = eci_exec_wait(s, timeout, &code, &err);
    eci_exec_free(s);
    if (rc < 0) {
        fprintf(stderr, "exec_client: %s\n", err.detail);
        return 1;
    }
    return code;
}
