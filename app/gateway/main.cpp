#include <cstdio>

int main() {
    std::fputs("switchboard-gateway: under construction\n", stderr);
    return 2;
}
