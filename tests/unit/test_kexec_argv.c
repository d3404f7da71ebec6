/* provider/kubelet_exec: an argv beyond ExecContainerCommand's limits (20
 * items of 256 bytes) sent as chunks through /bin/sh. Each fitted argv is
 * checked against the limits and run here with /bin/sh, the decoded command
 * printing its arguments NUL-separated, so the bytes that arrive are compared
 * with the ones sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eci/types.h"
#include "provider/kubelet_exec.h"
#include "util/dynbuf.h"

/* Prints "$0" "$@" each followed by a NUL. */
#define PRINT_ARGS "printf '%s\\0' \"$0\" \"$@\""

static void assert_within_limits(const eci_strv *v)
{
    assert_true(v->n >= 1 && v->n <= PROV_KEXEC_MAX_ITEMS);
    for (size_t i = 0; i < v->n; i++)
        assert_true(strlen(v->v[i]) <= PROV_KEXEC_MAX_ITEM_LEN);
}

/* Run v, collecting its stdout. */
static void run(const eci_strv *v, dynbuf *out)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char **argv = calloc(v->n + 1, sizeof *argv);
        for (size_t i = 0; i < v->n; i++)
            argv[i] = v->v[i];
        execv(argv[0][0] == '/' ? argv[0] : "/bin/sh", argv);
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        dynbuf_add(out, buf, (size_t)n);
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* argv = sh -c PRINT_ARGS args...: fitted, run, the arguments come back. */
static void roundtrip(const char *const *args, size_t nargs, int expect_wrapped)
{
    size_t argc = nargs + 3;
    const char **argv = calloc(argc + 1, sizeof *argv);
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = PRINT_ARGS;
    for (size_t i = 0; i < nargs; i++)
        argv[3 + i] = args[i];
    eci_strv v;
    char err[512] = "";
    assert_int_equal(prov_kexec_fit_argv(argv, argc, &v, err, sizeof err), 0);
    assert_within_limits(&v);
    if (!expect_wrapped) {
        assert_int_equal(v.n, argc);
        for (size_t i = 0; i < argc; i++)
            assert_string_equal(v.v[i], argv[i]);
    } else {
        assert_true(v.n != argc || strcmp(v.v[2], argv[2]) != 0);
    }
    dynbuf out;
    dynbuf_init(&out, 0);
    run(&v, &out);
    dynbuf want;
    dynbuf_init(&want, 0);
    for (size_t i = 0; i < nargs; i++)
        dynbuf_add(&want, args[i], strlen(args[i]) + 1);
    /* "$0" of the inner sh is the first argument after the script */
    assert_int_equal(out.len, want.len);
    assert_memory_equal(out.buf, want.buf, want.len);
    dynbuf_free(&out);
    dynbuf_free(&want);
    eci_strv_free(&v);
    free(argv);
}

static void test_within_limits_unchanged(void **state)
{
    (void)state;
    const char *args[] = {"a", "b c", "'\"$x`"};
    roundtrip(args, 3, 0);
}

static void test_many_arguments(void **state)
{
    (void)state;
    const char *args[60];
    char bufs[60][16];
    for (int i = 0; i < 60; i++) {
        snprintf(bufs[i], sizeof bufs[i], "a%d", i);
        args[i] = bufs[i];
    }
    args[7] = "";
    args[8] = "";
    args[9] = "two words";
    /* 13 arguments (16 items with sh -c script) fit as they are */
    roundtrip(args, 13, 0);
    /* 63 items: through the shell */
    roundtrip(args, 60, 1);
}

static void test_long_script(void **state)
{
    (void)state;
    /* a 1000-byte argument with every kind of quoting, newlines (trailing
     * too) and multi-byte UTF-8 that straddles chunk boundaries */
    char big[1001];
    const char *pat = "x'y\"z$HOME`id`\\ \t%s%%\n\xc3\xa9\xe2\x82\xac;|&*?[a]{b}~#!";
    size_t pl = strlen(pat), i = 0;
    while (i + pl < 990) {
        memcpy(big + i, pat, pl);
        i += pl;
    }
    while (i < 998)
        big[i++] = 'q';
    big[i++] = '\n';
    big[i++] = '\n';
    big[i] = 0;
    const char *args[] = {big, "-", "$(id)", "\n"};
    roundtrip(args, 4, 1);
}

static void test_not_utf8(void **state)
{
    (void)state;
    char bin[600];
    for (size_t i = 0; i < sizeof bin - 1; i++)
        bin[i] = (char)(1 + i % 255);
    bin[sizeof bin - 1] = 0;
    const char *args[] = {bin, "\xff\xfe%d\\n\n", "ok", "it's"};
    roundtrip(args, 3, 1);
}

static void test_about_4k_fits_and_more_refused(void **state)
{
    (void)state;
    /* 16 chunks of 256 bytes are left after /bin/sh -c <decoder> sh; the
     * argument shares them with /bin/sh, -c and the script */
    static char big[3900];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    const char *args[] = {big};
    roundtrip(args, 1, 1);

    static char huge[6000];
    memset(huge, 'k', sizeof huge - 1);
    huge[sizeof huge - 1] = 0;
    const char *argv[] = {"/bin/echo", huge};
    eci_strv v;
    char err[512] = "";
    assert_int_equal(prov_kexec_fit_argv(argv, 2, &v, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not fit"));
    assert_non_null(strstr(err, "20 arguments of at most 256 bytes"));
    assert_non_null(strstr(err, "6008 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_limits_unchanged),
        cmocka_unit_test(test_many_arguments),
        cmocka_unit_test(test_long_script),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_about_4k_fits_and_more_refused),
    };
    return cmocka_run_group_tests_name("kexec_argv", tests, NULL, NULL);
}
