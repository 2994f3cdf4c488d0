/* Urgent data (send with MSG_OOB) to a TCP receiver that set SO_OOBINLINE arrives inline,
 * in order with the rest (what FTP's ABOR relies on). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(l, (struct sockaddr *)&a, sizeof a);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&a, &len);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, sizeof a);
    int s = accept(l, NULL, NULL);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
    printf("send: %zd\n", send(c, "RETR x\r\n", 8, 0));
    printf("send MSG_OOB: %zd\n", send(c, "ABOR\r\n", 6, MSG_OOB));
    close(c);
    char buf[64];
    size_t got = 0;
    ssize_t n;
    while ((n = read(s, buf + got, sizeof buf - got)) > 0) got += n;
    printf("received %zu bytes: %.*s", got, (int)got, buf);
    return 0;
}
