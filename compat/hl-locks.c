/* SPDX-License-Identifier: MIT */
/*
 * hl-locks.c: the POSIX locks the high-level layer granted, per node. As
 * libfuse's high-level layer does, every F_SETLK/F_SETLKW the filesystem's
 * lock op accepts is also noted here by owner, so that F_GETLK can name a
 * conflicting holder (range and pid) that the op itself does not report,
 * and a FLUSH removes the closing owner's locks (hl-ops.c). Each node's
 * list keeps one owner's locks disjoint, and same-type neighbours merged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl-int.h"

#define HL_OFF_MAX INT64_MAX /* "to the end of the file" */

struct hl_plock {
	short type; /* F_RDLCK or F_WRLCK */
	pid_t pid;
	uint64_t owner;
	int64_t start, end; /* inclusive */
	struct hl_plock *next;
};

static void range_of(const struct flock *l, int64_t *start, int64_t *end)
{
	*start = l->l_start < 0 ? 0 : (int64_t)l->l_start;
	if (l->l_len <= 0 || (int64_t)l->l_len > HL_OFF_MAX - *start)
		*end = HL_OFF_MAX; /* 0: to the end (the low level never sends less) */
	else
		*end = *start + (int64_t)l->l_len - 1;
}

static int overlaps(const struct hl_plock *l, int64_t s, int64_t e)
{
	return l->start <= e && s <= l->end;
}

/* Overlapping or back to back. */
static int touches(const struct hl_plock *l, int64_t s, int64_t e)
{
	return (e == HL_OFF_MAX || l->start <= e + 1) && (l->end == HL_OFF_MAX || s <= l->end + 1);
}

int hl_locks_conflict(struct fuse *f, uint64_t ino, uint64_t owner, struct flock *lock)
{
	struct hl_plock *l = NULL;
	struct hl_node *n;
	int64_t s, e;

	if (lock->l_type == F_UNLCK)
		return 0;
	range_of(lock, &s, &e);
	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	for (l = n ? n->plocks : NULL; l; l = l->next)
		if (l->owner != owner && overlaps(l, s, e) &&
		    (l->type == F_WRLCK || lock->l_type == F_WRLCK))
			break;
	if (l) {
		lock->l_type = l->type;
		lock->l_whence = SEEK_SET;
		lock->l_start = (off_t)l->start;
		lock->l_len = l->end == HL_OFF_MAX ? 0 : (off_t)(l->end - l->start + 1);
		lock->l_pid = l->pid;
	}
	pthread_mutex_unlock(&f->lock);
	return l != NULL;
}

int hl_locks_note(struct fuse *f, uint64_t ino, uint64_t owner, const struct flock *lock)
{
	struct hl_plock *spare[2] = { NULL, NULL }, **pp, *l;
	unsigned used = 0;
	struct hl_node *n;
	int64_t s, e;

	if (lock->l_type != F_UNLCK && lock->l_type != F_RDLCK && lock->l_type != F_WRLCK)
		return -EINVAL;
	range_of(lock, &s, &e);
	/*
	 * At most one split and one new lock, allocated before anything
	 * changes; a whole-file unlock (every close) needs neither.
	 */
	if (lock->l_type != F_UNLCK || s > 0 || e < HL_OFF_MAX) {
		spare[0] = malloc(sizeof(*spare[0]));
		spare[1] = malloc(sizeof(*spare[1]));
		if (!spare[0] || !spare[1]) {
			free(spare[0]);
			free(spare[1]);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&f->lock);
	n = hl_node_get(f, ino);
	for (pp = n ? &n->plocks : NULL; pp && (l = *pp);) {
		if (l->owner != owner) {
			pp = &l->next;
		} else if (lock->l_type != F_UNLCK && l->type == lock->l_type && touches(l, s, e)) {
			/* The same kind: absorbed into the new one. */
			if (l->start < s)
				s = l->start;
			if (l->end > e)
				e = l->end;
			*pp = l->next;
			free(l);
		} else if (!overlaps(l, s, e)) {
			pp = &l->next;
		} else if (l->start < s && l->end > e) {
			/* Cut in two around the new range. */
			struct hl_plock *tail = spare[used++];

			*tail = *l;
			tail->start = e + 1;
			l->end = s - 1;
			l->next = tail;
			pp = &tail->next;
		} else if (l->start < s) {
			l->end = s - 1;
			pp = &l->next;
		} else if (l->end > e) {
			l->start = e + 1;
			pp = &l->next;
		} else {
			*pp = l->next; /* wholly replaced */
			free(l);
		}
	}
	if (n && lock->l_type != F_UNLCK) {
		l = spare[used++];
		l->type = lock->l_type;
		l->pid = lock->l_pid;
		l->owner = owner;
		l->start = s;
		l->end = e;
		l->next = n->plocks;
		n->plocks = l;
	}
	pthread_mutex_unlock(&f->lock);
	while (used < 2)
		free(spare[used++]);
	return 0;
}

void hl_locks_free(struct hl_node *n)
{
	struct hl_plock *l, *next;

	for (l = n->plocks; l; l = next) {
		next = l->next;
		free(l);
	}
	n->plocks = NULL;
}
