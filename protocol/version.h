/*
 * version.h: the release of i40, which `i40d --version` and `i40ctl
 * --version` print with the protocol version (MSG_PROTOCOL_VERSION), the
 * event version (EV_VERSION) and the store schema (STORE_SCHEMA), so that
 * an operator can tell what a node speaks and stores without reading its
 * log.  Raise it with every release; the protocol and schema numbers
 * change only with what they describe.
 */
#ifndef I40_VERSION_H
#define I40_VERSION_H

#define I40_VERSION "0.1.0"

#endif
