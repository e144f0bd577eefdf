import numpy as np
import pytest

import sim.plot as P


def test_location_series(one, scen, tmp_path, save):
    fig = P.location_series(one, scen, "Sheberghan")
    save(fig, tmp_path, "series")
    ax0, ax1 = fig.axes
    assert ax0.get_ylabel() == "personnel present" and ax1.get_ylabel() == "morale"
    assert fig.get_suptitle().startswith("Sheberghan (Jowzjan)")
    gov, ins = ax0.lines[0], ax0.lines[1]
    s = one.series[one.series.location_id == "jowzjan_sheberghan"]
    assert np.allclose(gov.get_ydata(), s.gov_strength) and np.allclose(ins.get_ydata(), s.ins_strength)
    assert np.allclose(ax1.lines[0].get_ydata(), s.gov_morale)
    ev = one.events
    here = ev[(ev.location_id == "jowzjan_sheberghan") | ev.location_id.isna()]
    n_days = here.day.nunique()
    # one event line per event day in each panel, letters above, and a key
    assert len(ax0.lines) == 2 + n_days and len(ax1.lines) == 1 + n_days
    letters = [t for t in ax0.texts if len(t.get_text()) <= 2]
    assert 1 <= len(letters) <= n_days and letters[0].get_text() == "A"
    key = next(t.get_text() for t in ax0.texts if t.get_text().startswith("events"))
    assert "fell" in key
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "government strength" in legend and "government control" in legend


def test_location_series_unknown(one, scen):
    with pytest.raises(KeyError):
        P.location_series(one, scen, "Atlantis")
