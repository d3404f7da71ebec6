/* util/ztext: deflated text with a preset dictionary (the informer store's
 * objects, the status sync's last written statuses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ztext.h"

static const char dict[] = "{\"metadata\":{\"name\":\"\",\"namespace\":\"default\"},\"status\":{\"phase\":\"Running\"}}";

static void roundtrip(const char *s, const char *d)
{
    size_t dl = d ? strlen(d) : 0;
    ztext *z = ztext_pack(s, strlen(s), d, dl);
    assert_int_equal(ztext_len(z), strlen(s));
    char *back = ztext_unpack(z, d, dl);
    assert_non_null(back);
    assert_string_equal(back, s);
    free(back);
    free(z);
}

static void test_roundtrip(void **st)
{
    (void)st;
    roundtrip("", NULL);
    roundtrip("", dict);
    roundtrip("x", dict);
    roundtrip("{\"metadata\":{\"name\":\"p-1\",\"namespace\":\"default\"},\"status\":{\"phase\":\"Running\"}}", NULL);
    roundtrip("{\"metadata\":{\"name\":\"p-1\",\"namespace\":\"default\"},\"status\":{\"phase\":\"Running\"}}", dict);
    /* longer than the window: matches are only taken within it */
    size_t n = 100000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + (i * 7919 % 26));
    big[n] = '\0';
    roundtrip(big, dict);
    free(big);
}

/* The dictionary is what makes a short document small. */
static void test_dictionary_shrinks(void **st)
{
    (void)st;
    const char *s = "{\"metadata\":{\"name\":\"p-1\",\"namespace\":\"default\"},\"status\":{\"phase\":\"Running\"}}";
    ztext *plain = ztext_pack(s, strlen(s), NULL, 0);
    ztext *with = ztext_pack(s, strlen(s), dict, strlen(dict));
    assert_true(ztext_size(with) < ztext_size(plain));
    assert_true(ztext_size(with) < strlen(s) / 2);
    free(plain);
    free(with);
}

/* Unpacked without its dictionary, the text does not come back. */
static void test_wrong_dictionary(void **st)
{
    (void)st;
    const char *s = "{\"metadata\":{\"name\":\"p-1\",\"namespace\":\"default\"},\"status\":{\"phase\":\"Running\"}}";
    ztext *z = ztext_pack(s, strlen(s), dict, strlen(dict));
    char *back = ztext_unpack(z, NULL, 0);
    assert_null(back);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_dictionary_shrinks),
        cmocka_unit_test(test_wrong_dictionary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
