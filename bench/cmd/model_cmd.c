/*
 * model_cmd.c - `ipclab model DIR`: the cost model of each transport from a
 * sweep's summary.csv.  The fit has one home, scripts/model.py (on
 * scripts/ipclab_results.py, which the plots, the report and the notebooks
 * share), so this runs it the way `ipclab plot` runs plot.py.
 */
#include "model_cmd.h"
#include "scripts_cmd.h"

int model_main(int argc, char **argv)
{
	return scripts_main(argc, argv);
}
