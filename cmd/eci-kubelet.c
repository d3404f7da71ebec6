/* eci-kubelet: the virtual kubelet that runs a node's pods on Alibaba Cloud ECI. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("eci-kubelet %s\n", ECI_KUBELET_VERSION);
            return 0;
        }
    }
    fprintf(stderr, "eci-kubelet: not yet wired\n");
    return 2;
}
