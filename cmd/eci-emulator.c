/* eci-emulator: a local stand-in for the Alibaba Cloud ECI OpenAPI. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("eci-emulator %s\n", ECI_KUBELET_VERSION);
            return 0;
        }
    }
    fprintf(stderr, "eci-emulator: not yet wired\n");
    return 2;
}
