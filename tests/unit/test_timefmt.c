/* util/timefmt: RFC 3339 parsing (what Kubernetes and ECI send, nothing
 * else) and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/timefmt.h"

static int parse(const char *s, struct timespec *t) { return timefmt_parse(s, strlen(s), t); }

static void test_accepts(void **state)
{
    (void)state;
    struct timespec t;
    const long base = 1552352400; /* 2019-03-12T01:00:00Z */
    static const char *const same[] = {
        "2019-03-12T01:00:00Z",          /* metav1.Time */
        "2019-03-12t01:00:00z",          /* RFC 3339: case-insensitive */
        "2019-03-12 01:00:00Z",          /* RFC 3339 5.6 note: a space */
        "2019-03-12T09:00:00+08:00",     /* ECI: local offset */
        "2019-03-11T20:30:00-04:30",
        "2019-03-12T01:00:00.000Z",      /* ECI: milliseconds */
        "2019-03-12T09:00:00.000+08:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(parse(same[i], &t), 0);
        assert_int_equal((long)t.tv_sec, base);
        assert_int_equal(t.tv_nsec, 0);
    }
    assert_int_equal(parse("2019-03-12T01:00:00.5Z", &t), 0); /* any fraction length */
    assert_int_equal(t.tv_nsec, 500000000L);
    assert_int_equal(parse("2019-03-12T01:00:00.123456Z", &t), 0); /* MicroTime */
    assert_int_equal(t.tv_nsec, 123456000L);
    assert_int_equal(parse("2019-03-12T01:00:00.1234567891234Z", &t), 0); /* past ns: dropped */
    assert_int_equal(t.tv_nsec, 123456789L);
    assert_int_equal((long)t.tv_sec, base);
    assert_int_equal(parse("2024-02-29T00:00:00Z", &t), 0); /* leap day */
    assert_int_equal(parse("2016-12-31T23:59:60Z", &t), 0); /* leap second */
    assert_int_equal((long)t.tv_sec, 1483228800L);
    assert_int_equal(parse("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal((long)t.tv_sec, 0);
    /* a length, not a NUL, ends the text: a log line's stamp */
    const char *line = "2019-03-12T01:00:00.25Z hello";
    assert_int_equal(timefmt_parse(line, 23, &t), 0);
    assert_int_equal(t.tv_nsec, 250000000L);
    assert_int_equal(timefmt_parse(line, strlen(line), &t), -1);
}

static void test_rejects(void **state)
{
    (void)state;
    struct timespec t;
    static const char *const bad[] = {
        "",
        "2019-03-12",
        "2019-03-12T01:00",
        "2019-03-12T01:00:00",          /* no zone */
        "2019-03-12 09:00",
        "2019-03-12T01:00:00.Z",        /* empty fraction */
        "2019-03-12T01:00:00ZZ",
        "2019-03-12T01:00:00Z ",        /* trailing space */
        " 2019-03-12T01:00:00Z",
        "2019-03-12T01:00:00+0800",     /* offset without colon */
        "2019-03-12T01:00:00+08",
        "2019-03-12T01:00:00+24:00",
        "2019-03-12T01:00:00+08:60",
        "2019-13-12T09:00:00Z",
        "2019-00-12T09:00:00Z",
        "2019-02-29T09:00:00Z",         /* not a leap year */
        "2019-04-31T09:00:00Z",
        "2019-03-00T09:00:00Z",
        "2019-03-12T24:00:00Z",
        "2019-03-12T01:60:00Z",
        "2019-03-12T01:00:61Z",
        "2019/03/12T01:00:00Z",
        "2019-03-12X01:00:00Z",
        "2019-3-12T01:00:00Z",
        "+019-03-12T01:00:00Z",
        "2019-03-12T01:00:00.12a4Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(timefmt_parse(NULL, 0, &t), -1);
}

static void test_format(void **state)
{
    (void)state;
    char buf[TIMEFMT_LEN];
    struct timespec t = {1552352400, 123456789L};
    assert_string_equal(timefmt_format(&t, 0, buf, sizeof buf), "2019-03-12T01:00:00Z");
    assert_string_equal(timefmt_format(&t, 3, buf, sizeof buf), "2019-03-12T01:00:00.123Z");
    assert_string_equal(timefmt_format(&t, 6, buf, sizeof buf), "2019-03-12T01:00:00.123456Z");
    assert_string_equal(timefmt_format(&t, 9, buf, sizeof buf), "2019-03-12T01:00:00.123456789Z");
    t.tv_nsec = 999999999L; /* truncated, never rounded into the next second */
    assert_string_equal(timefmt_format(&t, 3, buf, sizeof buf), "2019-03-12T01:00:00.999Z");
    assert_string_equal(timefmt_format_s(0, buf, sizeof buf), "1970-01-01T00:00:00Z");
    struct timespec z = {0, 0};
    assert_string_equal(timefmt_format(&z, 6, buf, sizeof buf), "1970-01-01T00:00:00.000000Z");
    char small[8];
    timefmt_format_s(0, small, sizeof small); /* cut, still a string */
    assert_string_equal(small, "1970-01");
    /* what is formatted parses back */
    struct timespec back;
    t.tv_nsec = 123456789L;
    assert_int_equal(parse(timefmt_format(&t, 9, buf, sizeof buf), &back), 0);
    assert_int_equal((long)back.tv_sec, (long)t.tv_sec);
    assert_int_equal(back.tv_nsec, t.tv_nsec);
    timefmt_now(6, buf, sizeof buf);
    assert_int_equal(strlen(buf), 27);
    assert_int_equal(parse(buf, &back), 0);
    assert_true(back.tv_sec > 1552352400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
