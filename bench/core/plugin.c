/* plugin.c - load a transport from a shared object (see plugin.h). */
#include "plugin.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int plugin_is_path(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') != NULL || (n > 3 && strcmp(name + n - 3, ".so") == 0);
}

const struct ipc_transport *plugin_load(const char *path, char *why,
					size_t whylen)
{
	/* RTLD_NOW: a missing helper symbol is reported here, not mid-run. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, whylen, "cannot load %s: %s", path, dlerror());
		return NULL;
	}
	const struct ipc_transport *t = dlsym(h, PLUGIN_SYMBOL);
	if (!t) {
		snprintf(why, whylen, "%s exports no symbol '%s': define "
			 "`const struct ipc_transport %s = {...};` (see "
			 "ipc/exercises/template.c)", path, PLUGIN_SYMBOL,
			 PLUGIN_SYMBOL);
		goto err_close;
	}
	if (t->abi != IPC_ABI_VERSION) {
		snprintf(why, whylen, "%s was built for transport interface "
			 "version %u, this ipclab has version %u: rebuild it "
			 "against this ipc/transport.h", path, t->abi,
			 IPC_ABI_VERSION);
		goto err_close;
	}
	char missing[160] = "";
	const struct {
		const char *name;
		int ok;
	} slots[] = {
		{"name", t->name && t->name[0]}, {"summary", t->summary != NULL},
		{"sync", t->sync != NULL}, {"max_block", t->max_block != NULL},
		{"create", t->create != NULL}, {"attach", t->attach != NULL},
		{"acquire", t->acquire != NULL}, {"release", t->release != NULL},
		{"info", t->info != NULL}, {"detach", t->detach != NULL},
		{"destroy", t->destroy != NULL},
		{"send and recv together", !t->send == !t->recv},
	};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (!slots[i].ok)
			snprintf(missing + strlen(missing),
				 sizeof(missing) - strlen(missing), "%s%s",
				 missing[0] ? ", " : "", slots[i].name);
	if (missing[0]) {
		snprintf(why, whylen, "%s: %s leaves required slots empty: %s",
			 path, PLUGIN_SYMBOL, missing);
		goto err_close;
	}
	if ((t->caps & IPC_CAP_NAMED) && !t->open) {
		snprintf(why, whylen, "%s: IPC_CAP_NAMED is set but .open is "
			 "empty", path);
		goto err_close;
	}
	return t; /* the object stays loaded for the life of the process */

err_close:
	dlclose(h);
	return NULL;
}
