/* SPDX-License-Identifier: MIT */
/*
 * memdata.h: the writable in-memory file "data" (up to DATA_MAX bytes) that
 * the libfuse test programs serve (ownloop.c, customio.c): its size, a
 * truncation, and the READ and WRITE replies, all under one lock. Written
 * against libfuse's API only; included once, by the program's main file.
 */
#ifndef ZCFUSE_TESTS_COMPAT_MEMDATA_H
#define ZCFUSE_TESTS_COMPAT_MEMDATA_H

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define DATA_MAX (4u << 20)

static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER;
static char *data;
static size_t data_size;

/* 0, or -ENOMEM. */
static int memdata_init(void)
{
	data = calloc(1, DATA_MAX);
	return data ? 0 : -ENOMEM;
}

static void memdata_free(void)
{
	free(data);
	data = NULL;
}

static off_t memdata_size(void)
{
	off_t size;

	pthread_mutex_lock(&data_lock);
	size = (off_t)data_size;
	pthread_mutex_unlock(&data_lock);
	return size;
}

/* Grows with zeros or shrinks: 0, or EFBIG past DATA_MAX. */
static int memdata_truncate(size_t size)
{
	if (size > DATA_MAX)
		return EFBIG;
	pthread_mutex_lock(&data_lock);
	if (size > data_size)
		memset(data + data_size, 0, size - data_size);
	data_size = size;
	pthread_mutex_unlock(&data_lock);
	return 0;
}

static void memdata_reply_read(fuse_req_t req, size_t size, off_t off)
{
	pthread_mutex_lock(&data_lock);
	if ((size_t)off >= data_size)
		size = 0;
	else if (size > data_size - (size_t)off)
		size = data_size - (size_t)off;
	fuse_reply_buf(req, data + off, size);
	pthread_mutex_unlock(&data_lock);
}

static void memdata_reply_write(fuse_req_t req, const char *buf, size_t size, off_t off)
{
	if ((size_t)off > DATA_MAX || size > DATA_MAX - (size_t)off) {
		fuse_reply_err(req, EFBIG);
		return;
	}
	pthread_mutex_lock(&data_lock);
	if ((size_t)off > data_size)
		memset(data + data_size, 0, (size_t)off - data_size);
	memcpy(data + off, buf, size);
	if ((size_t)off + size > data_size)
		data_size = (size_t)off + size;
	pthread_mutex_unlock(&data_lock);
	fuse_reply_write(req, size);
}

#endif
