/* One rtnetlink request: move a network device to another namespace and rename it in the same
 * message, so the name never clashes on either side (runc netnsAttach, crun net_device.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "steps.h"

struct request {
  struct nlmsghdr h;
  struct ifinfomsg i;
  char attrs[64];
};

static void add_attr(struct request *r, unsigned short type, const void *data, size_t len) {
  struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(rta), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends RTM_NEWLINK on nl (a socket in the device's current namespace) for the device with this index. */
static void newlink_move(int nl, unsigned index, const char *name, int netns_fd, const char *new_name) {
  if (strlen(new_name) >= IFNAMSIZ) bail(EINVAL, "network device name %s is too long", qs(new_name));
  struct request r;
  memset(&r, 0, sizeof r);
  r.h.nlmsg_len = NLMSG_LENGTH(sizeof r.i);
  r.h.nlmsg_type = RTM_NEWLINK;
  r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  r.h.nlmsg_seq = 1;
  r.i.ifi_family = AF_UNSPEC;
  r.i.ifi_index = (int)index;
  uint32_t fd = (uint32_t)netns_fd;
  add_attr(&r, IFLA_NET_NS_FD, &fd, sizeof fd);
  add_attr(&r, IFLA_IFNAME, new_name, strlen(new_name) + 1);
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  if (sendto(nl, &r, r.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) bail(errno, "sendto(RTM_NEWLINK %s) failed", qs(name));
  char reply[1024];
  ssize_t n = recv(nl, reply, sizeof reply, 0);
  if (n < 0) bail(errno, "recv(RTM_NEWLINK %s ack) failed", qs(name));
  struct nlmsghdr *h = (struct nlmsghdr *)reply;
  if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR) bail(EPROTO, "RTM_NEWLINK %s: no ack", qs(name));
  int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
  if (err != 0) bail(-err, "RTM_NEWLINK(%s, IFLA_NET_NS_FD, IFLA_IFNAME %s) failed", qs(name), qs(new_name));
}

static int rtnetlink(void) {
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) bail(errno, "socket(AF_NETLINK, NETLINK_ROUTE) failed");
  return nl;
}

void move_net_device(const char *name, int netns_fd, const char *new_name) {
  unsigned index = if_nametoindex(name);
  if (index == 0) bail(errno, "network device %s: not found in the runtime's network namespace", qs(name));
  int nl = rtnetlink();
  newlink_move(nl, index, name, netns_fd, new_name);
  close(nl);
}

/* delete: back from the container's namespace into ours, under the original names (runc
 * netnsDettach). The socket and the index lookups are made inside the container's namespace. */
void op_return_net_devices(const struct arg *a) {
  if (a[1].n != a[2].n) bail(EINVAL, "RETURN_NET_DEVICES: %u names but %u original names", a[1].n, a[2].n);
  int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) bail(errno, "open(\"/proc/self/ns/net\") failed");
  int theirs = open(a[0].s, O_RDONLY | O_CLOEXEC);
  if (theirs < 0) bail(errno, "open(%s) failed", qs(a[0].s));
  if (setns(theirs, CLONE_NEWNET) < 0) bail(errno, "setns(%s, CLONE_NEWNET) failed", qs(a[0].s));
  int nl = rtnetlink();
  unsigned index[64];
  if (a[1].n > 64) bail(EINVAL, "RETURN_NET_DEVICES: more than 64 devices");
  for (uint32_t k = 0; k < a[1].n; k++)
    if ((index[k] = if_nametoindex(a[1].strv[k])) == 0) bail(errno, "network device %s: not found in the container's network namespace", qs(a[1].strv[k]));
  if (setns(own, CLONE_NEWNET) < 0) bail(errno, "setns(own network namespace) failed");
  for (uint32_t k = 0; k < a[1].n; k++) newlink_move(nl, index[k], a[1].strv[k], own, a[2].strv[k]);
  close(nl);
  close(theirs);
  close(own);
}
