"""The main window: queue | poses | details, the status bar and the keyboard contract."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QCloseEvent,
    QKeyEvent,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from reviewer.api import SYNTHESIZED_POSES
from reviewer.review.decisions import COSTS, Decision, DecisionKind
from reviewer.review.notices import Notice, NoticeLevel
from reviewer.review.queue import Counts, Entry, StatusFilter
from reviewer.review.session import ReviewSession
from reviewer.review.zoom import ZoomLevel

from .activity import ActivityLog
from .attention import AttentionPanel
from .current_view import CurrentView
from .details import DetailPanel, SelectionCost
from .dialogs import ConfirmGroup, ConfirmResynthesize
from .filter_bar import FilterBar
from .history import HistoryPanel
from .keymap import Keymap, default_keymap
from .loupe import Loupe
from .overlays import ShortcutSheet, Toast
from .pose_grid import PoseGrid
from .queue_view import QueueDelegate, QueueModel, QueueView, Thumbnails
from .search_field import SearchField
from .status_bar import StatusLine
from .survey import Survey
from .theme import Theme, icon
from .top_bar import TopBar
from .viewing import Viewing
from .window_state import PREFERRED_SIZE, make_room

__all__ = ["MainWindow"]

TITLE = "Aurous Reviewer"
MIN_SIZE = (860, 560)
# Two pose cells of 260 px side by side, with the grid's margins and spacing.
CENTRE_MIN_WIDTH = 2 * 260 + 12 + 2 * 14


class MainWindow(QMainWindow):
    close_requested = Signal()
    sign_in_requested = Signal()  # the key was refused: the app shows the sign-in dialog

    def __init__(
        self,
        session: ReviewSession,
        theme: Theme,
        *,
        where: str = "",
        keymap: Keymap | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.theme = theme
        self.keymap = keymap or default_keymap()
        # Notices made below the window name the keys in force, not the defaults.
        session.keys.use(self.keymap.key_text)
        self.setWindowTitle(f"{TITLE} — {where}" if where else TITLE)
        # Small enough for a 1024×640 screen; the app fits the window to its screen or
        # restores the last place (window_state.restore_window).
        self.setMinimumSize(MIN_SIZE[0], MIN_SIZE[1])
        self.resize(*PREFERRED_SIZE)
        self._closing = False
        self.confirm_dialog: ConfirmResynthesize | ConfirmGroup | None = None
        # Set while the list is made to show the session's selection, so that change
        # is not read back as the reviewer's.
        self._mirroring = False

        root = QWidget()
        column = QVBoxLayout(root)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._top_bar())
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setHandleWidth(1)
        self.queue_panel = self._queue_panel()
        splitter.addWidget(self.queue_panel)
        splitter.addWidget(self._centre())
        self.details = DetailPanel(theme, self.keymap)
        splitter.addWidget(self.details)
        # The side columns collapse by dragging (or Tab); the poses never do.
        splitter.setCollapsible(1, False)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([280, 820, 300])
        self.splitter = splitter
        column.addWidget(splitter, 1)
        self.setCentralWidget(root)
        self.toast = Toast(theme, root, self._toast_spot, undo_key=self.keymap.hint("undo"))
        self.activity = ActivityLog(self)
        self.attention = AttentionPanel(
            session.attention, session.retry_decision, session.drop_decision, self
        )
        self.history = HistoryPanel(session, theme, self.keymap, self)
        self._status_bar()

        self.sheet = ShortcutSheet(theme, root, self.keymap)
        self.current = CurrentView(session, self.grid, self.loupe, self.details, self)
        self.viewing = Viewing(session, self.current, self.loupe, self.survey, self)
        self._bind()
        self._shortcuts()
        self._update_reasons()
        self._loading_changed(session.loading)
        self.status.show_attention()

    # -- building -----------------------------------------------------------------------

    def _top_bar(self) -> QWidget:
        bar = TopBar()
        row = QHBoxLayout(bar)
        row.setContentsMargins(14, 8, 14, 8)
        row.setSpacing(6)
        title = QLabel(TITLE)
        title.setObjectName("AppTitle")
        # The gap after it is its own margin, so that it goes with it when hidden.
        title.setContentsMargins(0, 0, 18 - row.spacing(), 0)
        row.addWidget(title)
        # The title goes first on a narrow window (the title bar says it too).
        bar.set_title(title, title.sizeHint().width() + row.spacing())
        self.top_bar = bar
        self.filters = QButtonGroup(self)
        self.filters.setExclusive(True)
        self.filter_buttons: dict[StatusFilter, QPushButton] = {}
        for status in StatusFilter:
            button = QPushButton(status.value.capitalize())
            button.setObjectName("FilterButton")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setChecked(status is StatusFilter.ALL)
            button.clicked.connect(
                lambda _=False, s=status: self.session.queue.set_filter(status_filter=s)
            )
            self.filters.addButton(button)
            self.filter_buttons[status] = button
            row.addWidget(button)
        row.addSpacing(10)
        self.filter_bar = FilterBar(self.session.queue, self.keymap)
        row.addWidget(self.filter_bar)
        row.addStretch(1)
        key = self.keymap.hint("search")
        # The longest that fits: Qt would cut "Search by name   Ctrl+F" to "Search by…".
        with_key = [f"Search by name   {key}", f"Search   {key}"] if key else ["Search by name"]
        self.search = SearchField([*with_key, "Search"])
        self.search.setClearButtonEnabled(True)
        self.search.addAction(
            icon("search", self.theme.color("text_faint")), QLineEdit.ActionPosition.LeadingPosition
        )
        # Up to 280 px, before the stretch beside it grows; on a narrow window it gives
        # way first, down to 150 px.
        self.search.setMinimumWidth(150)
        self.search.setMaximumWidth(280)
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Only Ctrl+F or a click puts the keyboard here: single-key review stays safe.
        self.search.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.search.textChanged.connect(lambda text: self.session.queue.set_filter(search=text))
        self.search.installEventFilter(self)
        row.addWidget(self.search, 100)
        help_button = QPushButton()
        help_button.setIcon(icon("keyboard", self.theme.color("text_dim")))
        help_button.setToolTip(f"Keyboard shortcuts ({self.keymap.describe('help')})")
        help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        help_button.clicked.connect(lambda: self.sheet.toggle())
        row.addWidget(help_button)
        return bar

    def _queue_panel(self) -> QWidget:
        panel = QFrame()
        panel.setObjectName("QueuePanel")
        panel.setMinimumWidth(200)
        panel.setMaximumWidth(420)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 12, 0, 0)
        column.setSpacing(6)
        heading = QLabel("QUEUE")
        heading.setObjectName("PanelHeading")
        heading.setContentsMargins(14, 0, 14, 0)
        column.addWidget(heading)
        self.thumbnails = Thumbnails(self.session.feed, self)
        keys = self.session.keys
        self.queue_model = QueueModel(self.session.queue, self.thumbnails, self, keys)
        self.queue_view = QueueView(self.queue_model, QueueDelegate(self.theme, self, keys))
        self.queue_empty = QLabel()
        self.queue_empty.setObjectName("EmptyState")
        self.queue_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.queue_empty.setWordWrap(True)
        self.queue_busy = QProgressBar()
        self.queue_busy.setRange(0, 0)  # busy: the list's size is not known yet
        self.queue_busy.setTextVisible(False)
        self.queue_busy.setFixedSize(140, 4)
        empty = QWidget()
        empty_column = QVBoxLayout(empty)
        empty_column.setContentsMargins(20, 20, 20, 20)
        empty_column.addStretch(1)
        empty_column.addWidget(self.queue_empty)
        empty_column.addWidget(self.queue_busy, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_column.addStretch(1)
        self.queue_empty_page = empty
        self.queue_stack = QStackedLayout()
        self.queue_stack.addWidget(self.queue_view)
        self.queue_stack.addWidget(empty)
        column.addLayout(self.queue_stack, 1)
        return panel

    def _centre(self) -> QWidget:
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        self.grid = PoseGrid(self.theme, keymap=self.keymap)
        self.centre_empty = self._centre_empty_page()
        self.centre_stack = QStackedLayout()
        self.centre_stack.addWidget(self.grid)
        self.centre_stack.addWidget(self.centre_empty)
        layout.addLayout(self.centre_stack)
        self.survey = Survey(self.session, self.theme, centre, self.keymap)
        self.loupe = Loupe(self.theme, centre, self.keymap)
        self.centre = centre
        return centre

    def _centre_empty_page(self) -> QWidget:
        """Instead of four empty frames when the list shows nothing."""
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(40, 40, 40, 40)
        column.addStretch(1)
        self.centre_empty_text = QLabel()
        self.centre_empty_text.setObjectName("EmptyTitle")
        self.centre_empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.centre_empty_text.setWordWrap(True)
        column.addWidget(self.centre_empty_text)
        self.show_all_button = QPushButton("Show all characters")
        self.show_all_button.setObjectName("Link")
        self.show_all_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.show_all_button.clicked.connect(self.show_all)
        column.addWidget(self.show_all_button, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addStretch(1)
        return page

    def show_all(self) -> None:
        """Clear the search, the status filter, the attribute filter and "later only"."""
        self.search.clear()
        self.filter_buttons[StatusFilter.ALL].setChecked(True)
        self.session.queue.set_filter(status_filter=StatusFilter.ALL)
        self.filter_bar.clear()

    def _status_bar(self) -> None:
        self.status = StatusLine(self.session, self)
        self.status.sign_in_clicked.connect(self.sign_in_requested.emit)
        self.status.attention_clicked.connect(self.attention.show_panel)
        self.status.activity_clicked.connect(self.activity.show_log)
        self.setStatusBar(self.status)

    # -- binding ------------------------------------------------------------------------

    def _bind(self) -> None:
        s = self.session
        s.queue.counts_changed.connect(self._counts_changed)
        s.queue.current_changed.connect(self._current_changed)
        s.queue.changed.connect(lambda _row: self._update_reasons())
        s.pose_changed.connect(lambda _pose: self._update_reasons())
        s.queue.reset.connect(self._sync_selection)
        # A page of the list inserts a row at a time: sync (and scroll) once after them.
        self._sync_soon = QTimer(self)
        self._sync_soon.setSingleShot(True)
        self._sync_soon.setInterval(0)
        self._sync_soon.timeout.connect(self._sync_selection)
        s.queue.inserted.connect(lambda _row: self._sync_soon.start())
        s.queue.removed.connect(lambda _row: self._update_empty())
        s.notice.connect(self._notice)
        s.attention_changed.connect(self._attention_changed)
        s.loading_changed.connect(self._loading_changed)
        s.outbox.sent.connect(self._decision_left)
        s.outbox.failed.connect(self._decision_left)
        s.outbox.undone.connect(self._decision_left)
        self.queue_view.selectionModel().currentChanged.connect(self._list_current_changed)
        self.queue_view.selectionModel().selectionChanged.connect(self._list_selection_changed)
        s.selection.changed.connect(self._selection_changed)
        self.grid.pose_clicked.connect(s.select_pose)
        self.grid.pose_activated.connect(self._pose_activated)
        self.details.decision_clicked.connect(self._decision_clicked)
        self.toast.undo_requested.connect(s.undo)
        self.grid.compare_requested.connect(self.viewing.compare)
        self.loupe.closed.connect(self.queue_view.setFocus)
        self.toast.details_requested.connect(self.activity.show_log)
        self.toast.character_requested.connect(self.go_to_character)
        self.activity.character_requested.connect(self.go_to_character)
        # The panel keeps the keyboard: arrows there walk the history, not the queue.
        self.history.character_requested.connect(
            lambda cid: self.go_to_character(cid, activate=False)
        )
        self.thumbnails.device_pixel_ratio = self.devicePixelRatioF()

    def named_actions(self) -> dict[str, Callable[[], object]]:
        """What each named action of the keymap does in this window."""
        s = self.session
        actions: dict[str, Callable[[], object]] = {
            "save": s.save,
            "discard": s.discard,
            "regenerate": self.regenerate,
            "resynthesize": self.confirm_resynthesize,
            "undo": s.undo,
            "later": s.toggle_later,
            "sort": s.toggle_sort,
            "filter": self.filter_bar.open_menu,
            "next": s.next,
            "previous": s.previous,
            "extend_next": s.extend_next,
            "extend_previous": s.extend_previous,
            "select_all": s.select_all,
            "search": self.focus_search,
            "loupe": self.toggle_loupe,
            "zoom": self.loupe.toggle_zoom,
            "escape": self.escape,
            "refresh": s.refresh,
            "help": self.sheet.toggle,
            "toggle_panels": self.toggle_panels,
            "fullscreen": self.toggle_fullscreen,
            "quit": self.close,  # through close_requested: the same flush as closing
            "compare": self.viewing.compare,
            "zoom_4up": self.viewing.four_up,
            "survey": self.viewing.toggle_survey,
            "history": self.history.toggle,
            "zoom_fit": lambda: self.viewing.zoom(ZoomLevel.FIT),
            "zoom_100": lambda: self.viewing.zoom(ZoomLevel.ACTUAL),
            "zoom_200": lambda: self.viewing.zoom(ZoomLevel.DOUBLE),
        }
        for pose in SYNTHESIZED_POSES:
            actions[f"select_{pose}"] = self._pose_selector(pose)
        return actions

    def _shortcuts(self) -> None:
        actions = self.named_actions()
        self.shortcuts: list[QShortcut] = []
        for action in self.keymap.actions:
            run = self._guarded(actions[action.name], is_help=action.name == "help")
            for sequence in self.keymap.sequences(action.name):
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.setAutoRepeat(action.autorepeat)
                shortcut.activated.connect(run)
                shortcut.setObjectName(action.name)
                self.shortcuts.append(shortcut)

    def _pose_selector(self, pose: str) -> Callable[[], None]:
        return lambda: self.session.select_pose(pose)

    def _guarded(self, action: Callable[[], object], *, is_help: bool) -> Callable[[], None]:
        def run() -> None:
            if self.sheet.isVisible() and not is_help:
                self.sheet.hide()
                return
            action()

        return run

    # -- intents the window adds ----------------------------------------------------------

    def regenerate(self) -> None:
        if self.session.selection.is_multi:
            self.confirm_group(DecisionKind.REGENERATE)
        else:
            self.session.regenerate()

    def confirm_group(self, kind: DecisionKind) -> None:
        """A paid decision on a selection: the total cost first, as for one resynthesis."""
        s = self.session
        plan = s.plan(kind)
        count = len(plan.entries)
        if not count or not s.can_afford(kind, count):
            s.decide_selection(kind)  # refused there, saying why
            return
        what = (
            f"Regenerate the {plan.pose} pose of {count} characters"
            if kind is DecisionKind.REGENERATE
            else f"Resynthesize all four poses of {count} characters"
        )
        balance = s.balance
        dialog = ConfirmGroup(
            what, plan.describe(), plan.cost, balance.available_credits if balance else None, self
        )
        asked = s.selection.ids

        def done(result: int) -> None:
            self.confirm_dialog = None
            # Only what was asked about: a selection changed meanwhile is asked again.
            if result and s.selection.ids == asked:
                s.decide_selection(kind)

        dialog.finished.connect(done)
        self.confirm_dialog = dialog
        dialog.open()

    def confirm_resynthesize(self) -> None:
        if self.session.selection.is_multi:
            self.confirm_group(DecisionKind.RESYNTHESIZE)
            return
        entry = self.session.current
        reason = self.session.why_not(DecisionKind.RESYNTHESIZE)
        if entry is None or reason is not None:
            self.session.notice.emit(_warning(reason or "No character selected"))
            return
        if not self.session.can_afford(DecisionKind.RESYNTHESIZE):
            self.session.resynthesize()  # refused there, with the out-of-credits message
            return
        balance = self.session.balance
        dialog = ConfirmResynthesize(
            entry.name,
            COSTS[DecisionKind.RESYNTHESIZE],
            balance.available_credits if balance else None,
            self,
        )
        character_id = entry.id

        def done(result: int) -> None:
            self.confirm_dialog = None
            current = self.session.current
            if result and current is not None and current.id == character_id:
                self.session.resynthesize()

        dialog.finished.connect(done)
        self.confirm_dialog = dialog
        dialog.open()

    @property
    def side_panels(self) -> list[QWidget]:
        return [self.queue_panel, self.details]

    def toggle_panels(self) -> None:
        """Tab: both side columns away for the poses alone, and back (as in Lightroom)."""
        show = all(panel.isHidden() for panel in self.side_panels)
        for panel in self.side_panels:
            panel.setVisible(show)
        if show:
            self.queue_view.setFocus()

    def go_to_character(self, character_id: str, *, activate: bool = True) -> None:
        """From a toast or the Activity log: show that character, if it is still here."""
        queue = self.session.queue
        if character_id not in queue:
            self.session.notice.emit(
                Notice(NoticeLevel.INFO, "That character is no longer in the queue", toast=False)
            )
            return
        if queue.row_of(character_id) is None:
            # Hidden by the filter or the search: show everything again to reach it.
            self.search.clear()
            queue.set_filter(status_filter=StatusFilter.ALL)
            self.filter_bar.clear()
        queue.select(character_id)
        if activate:
            self.raise_()
            self.activateWindow()

    def _toast_spot(self, toast: QWidget) -> QRect:
        """Where toasts go: over the details column, just above the decision buttons, so
        they cover no pose; over the bottom of the poses when that column is hidden."""
        root = self.toast.parentWidget()
        assert root is not None
        if self.details.isVisible():
            first = self.details.buttons[next(iter(self.details.buttons))]
            top_left = self.details.mapTo(root, QPoint(0, 0))
            bottom = first.mapTo(root, QPoint(0, 0)).y() - 10
            height = bottom - top_left.y()
            return QRect(top_left.x() + 8, top_left.y(), self.details.width() - 16, height)
        centre = QRect(self.centre.mapTo(root, QPoint(0, 0)), self.centre.size())
        return centre.adjusted(40, 0, -40, -24)

    def toggle_fullscreen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def toggle_loupe(self) -> None:
        if self.loupe.isVisible():
            self.loupe.close_loupe()
        else:
            self.current.open_loupe()

    def escape(self) -> None:
        if self.viewing.escape():
            return
        if self.toast.isVisible():
            self.toast.hide()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _pose_activated(self, pose: str) -> None:
        self.session.select_pose(pose)
        self.current.open_loupe()

    def _decision_clicked(self, kind: DecisionKind) -> None:
        if kind is DecisionKind.RESYNTHESIZE:
            self.confirm_resynthesize()
        elif kind is DecisionKind.SAVE:
            self.session.save()
        elif kind is DecisionKind.DISCARD:
            self.session.discard()
        else:
            self.regenerate()

    # -- reacting -----------------------------------------------------------------------

    def _current_changed(self, entry: Entry | None) -> None:
        self._sync_selection()
        self._update_reasons()
        if entry is None:
            self.loupe.close_loupe()

    def _sync_selection(self) -> None:
        row = self.session.queue.current_row
        selection = self.queue_view.selectionModel()
        multi = self.session.selection.is_multi
        if row is None:
            selection.clearCurrentIndex()
            if not multi:
                selection.clearSelection()
        else:
            index = self.queue_model.index(row)
            # The view makes row 0 current unselected when it gets the focus: select it
            # too (but a Ctrl+click moves the current row before it selects: leave that
            # to the view). Several selected: the current one moves within them.
            if selection.currentIndex() != index or not (multi or selection.hasSelection()):
                flag = QItemSelectionModel.SelectionFlag
                selection.setCurrentIndex(index, flag.NoUpdate if multi else flag.ClearAndSelect)
            self.queue_view.scrollTo(index)
        if multi:
            self._mirror_selection()
        self._update_empty()

    def _mirror_selection(self) -> None:
        """The list shows the session's selection (or the current entry alone)."""
        queue, chosen = self.session.queue, self.session.selection
        ids = chosen.ids if chosen.is_multi else [e.id for e in (queue.current,) if e]
        rows = {r for r in map(queue.row_of, ids) if r is not None}
        model = self.queue_view.selectionModel()
        if rows == {i.row() for i in model.selectedRows()}:
            return  # as it is: leave the view's own anchor alone
        wanted = QItemSelection()
        for r in sorted(rows):
            wanted.select(self.queue_model.index(r), self.queue_model.index(r))
        self._mirroring = True
        try:
            model.select(wanted, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._mirroring = False

    def _list_selection_changed(self, *_: object) -> None:
        """Shift+click, Ctrl+click, plain clicks and arrows in the list: the session's."""
        if self._mirroring:
            return
        queue = self.session.queue
        rows = sorted(i.row() for i in self.queue_view.selectionModel().selectedRows())
        self.session.selection.select_ids(queue.at(r).id for r in rows if r < len(queue))

    def _selection_changed(self) -> None:
        self._mirror_selection()
        self._update_reasons()

    def _list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self.queue_view.focusing:
            self.session.queue.select_row(current.row())

    def _update_reasons(self) -> None:
        s = self.session
        if not s.selection.is_multi:
            self.details.end_selection()
            self.details.set_reasons({kind: s.why_not(kind) for kind in DecisionKind})
            return
        plans = {kind: s.plan(kind) for kind in DecisionKind}
        self.details.set_reasons(
            {kind: None if p.entries else p.refusal() for kind, p in plans.items()},
            {kind: SelectionCost(len(p.entries), p.describe()) for kind, p in plans.items()},
        )
        selected = s.selection.entries
        self.details.show_selection(
            f"{len(selected)} selected",
            [plans[DecisionKind.SAVE].describe(), plans[DecisionKind.DISCARD].describe()],
            [e.name for e in selected],
        )

    def _update_empty(self) -> None:
        queue = self.session.queue
        if len(queue):
            self.centre_stack.setCurrentWidget(self.grid)
            if self.queue_stack.currentWidget() is not self.queue_view:
                self.queue_stack.setCurrentWidget(self.queue_view)
                if not self.search.hasFocus():
                    # The list was hidden while empty; the keyboard belongs to it again.
                    self.queue_view.setFocus()
            return
        filtered = queue.narrowed
        if self.session.loading:
            text = "Loading the queue…"
        elif queue.narrowed:
            text = "Nothing matches this filter."
        else:
            text = "All clear.\nNew characters appear here as soon as they finish synthesizing."
        self.queue_empty.setText(text)
        self.queue_busy.setVisible(self.session.loading)
        self.queue_stack.setCurrentWidget(self.queue_empty_page)
        if filtered and not self.session.loading:
            what = f"“{queue.search}”" if queue.search else "this filter"
            text = f"No character matches {what}."
        self.centre_empty_text.setText(text)
        self.show_all_button.setVisible(filtered and not self.session.loading)
        self.centre_stack.setCurrentWidget(self.centre_empty)

    def _counts_changed(self, counts: Counts) -> None:
        self.status.show_counts(None if self.session.loading else counts)
        for status, button in self.filter_buttons.items():
            button.setText(f"{status.value.capitalize()}  {_tab_count(status, counts)}")

    def _loading_changed(self, loading: bool) -> None:
        self._update_empty()
        self._counts_changed(self.session.queue.counts)

    def _notice(self, notice: Notice) -> None:
        self.activity.add(notice)
        if notice.toast:  # some are for the Activity log alone
            self.toast.show_notice(notice, self.session.outbox.undo_seconds)
        self._update_reasons()

    def _decision_left(self, decision: Decision, *_: object) -> None:
        shown = self.toast.notice
        if shown is None or shown.decision is None:
            return
        group = decision.group_id
        if shown.decision is decision or (group is not None and shown.decision.group_id == group):
            self.toast.end_undo()  # one of the group left: the group is no longer one undo

    def _attention_changed(self) -> None:
        if self.attention.isVisible():
            self.attention.refresh()

    # -- Qt events ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.queue_view.setFocus()
        make_room(self.splitter, 1, CENTRE_MIN_WIDTH)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Before the first show the splitter has no real width yet: squeezing the side
        # columns for it would leave them at their minimum on any screen.
        if self.isVisible():
            make_room(self.splitter, 1, CENTRE_MIN_WIDTH)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() in (
            QEvent.Type.ShortcutOverride,
            QEvent.Type.KeyPress,
        ):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Down):
                # Enter in the search box must never save a character: it hands the
                # keyboard back to the queue instead (Esc clears the search first).
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    if key == Qt.Key.Key_Escape and self.search.text():
                        self.search.clear()
                    else:
                        self.queue_view.setFocus()
                return True
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:
            event.accept()
            return
        # The app finishes sending decisions first, then closes for real.
        event.ignore()
        self.close_requested.emit()

    def close_now(self) -> None:
        self._closing = True
        self.close()


def _tab_count(status: StatusFilter, counts: Counts) -> int:
    """What a status tab holds (decided rows, on their way out, are not counted)."""
    return {
        StatusFilter.ALL: counts.to_review + counts.synthesizing + counts.failed,
        StatusFilter.REVIEWING: counts.to_review,
        StatusFilter.SYNTHESIZING: counts.synthesizing,
        StatusFilter.FAILED: counts.failed,
    }[status]


def _warning(text: str) -> Notice:
    return Notice(NoticeLevel.WARNING, text)
