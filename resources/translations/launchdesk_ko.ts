<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AdminWindow</name>
    <message>
        <location filename="../../views/admin.py" line="43"/>
        <source>Launchdesk — accounts</source>
        <translation>Launchdesk — 계정 관리</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="46"/>
        <location filename="../../views/admin.py" line="80"/>
        <source>User name</source>
        <translation>아이디</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="47"/>
        <location filename="../../views/admin.py" line="81"/>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="49"/>
        <location filename="../../views/admin.py" line="82"/>
        <source>Role</source>
        <translation>역할</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="52"/>
        <source>Disabled</source>
        <translation>사용 중지</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="52"/>
        <source>disabled</source>
        <translation>사용 중지됨</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="73"/>
        <source>Generate</source>
        <translation>생성</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="74"/>
        <source>A random password to hand over in person</source>
        <translation>직접 전달할 임의 비밀번호</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="83"/>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="84"/>
        <source>Add account</source>
        <translation>계정 추가</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="87"/>
        <source>Set role of selected</source>
        <translation>선택 계정 역할 변경</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="89"/>
        <source>Reset password of selected</source>
        <translation>선택 계정 비밀번호 재설정</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="91"/>
        <source>Disable / enable selected</source>
        <translation>선택 계정 사용 중지/재개</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="97"/>
        <source>Account</source>
        <translation>계정</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="110"/>
        <source>&amp;Accounts</source>
        <translation>계정(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="111"/>
        <source>Settings…</source>
        <translation>설정…</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="113"/>
        <source>Log out</source>
        <translation>로그아웃</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="114"/>
        <source>Quit</source>
        <translation>종료</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="179"/>
        <source>Account %1 added</source>
        <translation>계정 %1을(를) 추가했습니다</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="189"/>
        <source>%1 is now %2; their sessions were ended</source>
        <translation>%1의 역할이 %2(으)로 바뀌었고 로그인 세션이 종료되었습니다</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="201"/>
        <source>Password of %1 reset; their sessions were ended</source>
        <translation>%1의 비밀번호를 재설정했고 로그인 세션이 종료되었습니다</translation>
    </message>
    <message>
        <location filename="../../views/admin.py" line="211"/>
        <source>%1 updated</source>
        <translation>%1 변경됨</translation>
    </message>
</context>
<context>
    <name>AgentDesk</name>
    <message>
        <location filename="../../views/desk.py" line="57"/>
        <source>Launchdesk — %1 (%2)</source>
        <translation>Launchdesk — %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="76"/>
        <source>Reservation no., order no., mobile, tracking no. or name (Ctrl+K)</source>
        <translation>예약번호, 주문번호, 휴대폰번호, 운송장번호 또는 고객명 (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="82"/>
        <source>Any</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="83"/>
        <source>Reservation no.</source>
        <translation>예약번호</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="84"/>
        <source>Order no.</source>
        <translation>주문번호</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="85"/>
        <source>Mobile</source>
        <translation>휴대폰번호</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="86"/>
        <source>Tracking no.</source>
        <translation>운송장번호</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="87"/>
        <source>Name</source>
        <translation>고객명</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="91"/>
        <source>What the caller gave: a field for one kind refuses the others</source>
        <translation>고객이 알려 준 정보의 종류: 종류를 지정하면 다른 종류의 번호는 검색하지 않습니다</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="93"/>
        <source>Search</source>
        <translation>검색</translation>
    </message>
    <message>
        <location filename="../../console/selftest.py" line="159"/>
        <location filename="../../views/desk.py" line="95"/>
        <location filename="../../views/desk.py" line="198"/>
        <source>Take next callback</source>
        <translation>다음 콜백 받기</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="97"/>
        <source>Claim the next due callback (Ctrl+N)</source>
        <translation>처리할 차례가 된 다음 콜백을 배정받습니다 (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="123"/>
        <source>Matches</source>
        <translation>검색 결과</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="124"/>
        <location filename="../../views/desk.py" line="200"/>
        <source>My callbacks</source>
        <translation>내 콜백</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="142"/>
        <source>Agent desk</source>
        <translation>상담 데스크</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="147"/>
        <source>Triage</source>
        <translation>지연 주문 관리</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="151"/>
        <source>Messages and notices</source>
        <translation>문자·공지 관리</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="155"/>
        <source>Callback board</source>
        <translation>콜백 현황판</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="159"/>
        <source>Contact reasons</source>
        <translation>문의 사유</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="196"/>
        <source>Find customer</source>
        <translation>고객 찾기</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="201"/>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="203"/>
        <source>Log out</source>
        <translation>로그아웃</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="205"/>
        <source>Quit</source>
        <translation>종료</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="207"/>
        <source>Settings…</source>
        <translation>설정…</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="211"/>
        <source>&amp;Desk</source>
        <translation>데스크(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="218"/>
        <source>&amp;Language</source>
        <translation>언어(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="311"/>
        <source>The backend cannot be reached; try again when it is back.</source>
        <translation>서버에 연결할 수 없습니다. 연결이 복구되면 다시 시도하세요.</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="324"/>
        <source>No customer matches %1.</source>
        <translation>&apos;%1&apos;에 해당하는 고객이 없습니다.</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="352"/>
        <source>No callback is due right now.</source>
        <translation>지금 처리할 콜백이 없습니다.</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="355"/>
        <source>Callback #%1 is yours: %2</source>
        <translation>콜백 #%1 배정 완료: %2</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="452"/>
        <source>The backend cannot be reached. What you see is as of %1 and may be out of date; actions are disabled. Reconnecting by itself — notes you add are kept and sent when it is back.</source>
        <translation>서버에 연결할 수 없습니다. 화면의 정보는 %1 기준이며 최신이 아닐 수 있고, 작업은 잠시 막혀 있습니다. 자동으로 다시 연결하는 중입니다 — 입력한 메모는 보관했다가 연결되면 전송합니다.</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="458"/>
        <source>● online</source>
        <translation>● 연결됨</translation>
    </message>
    <message>
        <location filename="../../views/desk.py" line="458"/>
        <source>● offline</source>
        <translation>● 연결 끊김</translation>
    </message>
</context>
<context>
    <name>Board</name>
    <message>
        <location filename="../../views/board.py" line="36"/>
        <source>Agent</source>
        <translation>상담원</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="38"/>
        <source>Available</source>
        <translation>대기 가능</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="39"/>
        <source>yes</source>
        <translation>예</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="39"/>
        <source>no</source>
        <translation>아니오</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="41"/>
        <source>Claimed</source>
        <translation>처리 중</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="42"/>
        <source>Assigned</source>
        <translation>배정됨</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="43"/>
        <source>Completed today</source>
        <translation>오늘 완료</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="45"/>
        <source>Avg handle (min)</source>
        <translation>평균 처리(분)</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="60"/>
        <source>%1 (+%2 waiting)</source>
        <translation>%1 (대기 +%2)</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="72"/>
        <source>Rank</source>
        <translation>순위</translation>
    </message>
</context>
<context>
    <name>BoardView</name>
    <message>
        <location filename="../../views/board.py" line="109"/>
        <source>Give selected to</source>
        <translation>선택 항목 배정:</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="111"/>
        <source>Rebalance evenly</source>
        <translation>균등 재배분</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="114"/>
        <source>Spread queued callbacks over the agents who are available now</source>
        <translation>대기 중인 콜백을 지금 대기 가능한 상담원에게 고르게 나눕니다</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="119"/>
        <source>Set priority</source>
        <translation>우선순위 지정</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="126"/>
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="162"/>
        <source>Queue: %1 waiting, %2 due now, oldest due %3 min ago, %4 past the %5-minute SLA — as of %6</source>
        <translation>대기열: %1건 대기, 지금 처리할 %2건, 가장 오래된 건 %3분 경과, SLA(%5분) 초과 %4건 — %6 기준</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="175"/>
        <source>the pool</source>
        <translation>공용 대기열</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="207"/>
        <source>%1 callbacks reassigned</source>
        <translation>콜백 %1건을 재배정했습니다</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="212"/>
        <source>Queue rebalanced</source>
        <translation>대기열을 재배분했습니다</translation>
    </message>
    <message>
        <location filename="../../views/board.py" line="221"/>
        <source>Priority set for %1 callbacks</source>
        <translation>콜백 %1건의 우선순위를 지정했습니다</translation>
    </message>
</context>
<context>
    <name>Callbacks</name>
    <message>
        <location filename="../../console/models.py" line="133"/>
        <source>%1 h in received</source>
        <translation>접수완료 %1시간</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="135"/>
        <source>overtaken</source>
        <translation>추월됨</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="138"/>
        <source>%1 orders</source>
        <translation>주문 %1건</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="146"/>
        <source>No.</source>
        <translation>번호</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="147"/>
        <source>Topic</source>
        <translation>문의 유형</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="148"/>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="149"/>
        <source>Stuck order</source>
        <translation>멈춘 주문</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="151"/>
        <source>Due</source>
        <translation>예정 시각</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="154"/>
        <source>Attempts</source>
        <translation>시도 횟수</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="156"/>
        <source>Agent</source>
        <translation>상담원</translation>
    </message>
</context>
<context>
    <name>CustomerView</name>
    <message>
        <location filename="../../views/customer.py" line="114"/>
        <source>No customer open</source>
        <translation>선택된 고객 없음</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="140"/>
        <source>Reservation</source>
        <translation>사전예약</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="141"/>
        <source>Order</source>
        <translation>주문</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="142"/>
        <source>Shipment</source>
        <translation>배송</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="143"/>
        <source>Activation</source>
        <translation>개통</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="165"/>
        <source>Complete callback</source>
        <translation>콜백 완료</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="168"/>
        <source>Schedule callback…</source>
        <translation>콜백 예약…</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="175"/>
        <source>Outcome</source>
        <translation>처리 결과</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="179"/>
        <source>Topic</source>
        <translation>문의 유형</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="182"/>
        <source>Callbacks</source>
        <translation>콜백</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="190"/>
        <source>What did the customer ask? (Ctrl+Enter adds the note)</source>
        <translation>고객 문의 내용을 입력하세요 (Ctrl+Enter로 메모 추가)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="196"/>
        <location filename="../../views/customer.py" line="671"/>
        <source>Contact reason…</source>
        <translation>문의 사유…</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="199"/>
        <source>Add note</source>
        <translation>메모 추가</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="201"/>
        <source>Add note (Ctrl+Enter)</source>
        <translation>메모 추가 (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="220"/>
        <source>Timeline (newest first)</source>
        <translation>처리 이력 (최신순)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="260"/>
        <source>Resolved</source>
        <translation>해결 완료</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="261"/>
        <source>No answer</source>
        <translation>부재중</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="262"/>
        <source>Wrong number</source>
        <translation>잘못된 번호</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="263"/>
        <source>Cancelled by customer</source>
        <translation>고객 요청 취소</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="268"/>
        <source>Cancel order</source>
        <translation>주문 취소</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="269"/>
        <source>Cancel duplicate draft</source>
        <translation>중복 장바구니 취소</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="270"/>
        <source>Request activation</source>
        <translation>개통 신청</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="271"/>
        <source>Resend tracking SMS</source>
        <translation>운송장 문자 재발송</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="276"/>
        <source>Stuck order</source>
        <translation>지연 주문</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="277"/>
        <source>Duplicate draft</source>
        <translation>중복 장바구니</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="278"/>
        <source>Contradiction</source>
        <translation>상태 불일치</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="279"/>
        <source>Callback open</source>
        <translation>미처리 콜백</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="338"/>
        <source>as of %1</source>
        <translation>%1 기준</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="344"/>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="379"/>
        <source>has this customer open since %1</source>
        <translation>%1부터 이 고객 화면을 보는 중</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="384"/>
        <source>claimed</source>
        <translation>처리 중</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="384"/>
        <source>assigned</source>
        <translation>배정됨</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="386"/>
        <source>callback #%1 (%2, %3) since %4</source>
        <translation>콜백 #%1 (%2, %3) %4부터</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="394"/>
        <source>Also on this customer:</source>
        <translation>이 고객을 함께 보고 있는 직원:</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="401"/>
        <source>%1 holds a callback for this customer: agree with them before you act.</source>
        <translation>%1 님이 이 고객의 콜백을 맡고 있습니다. 조치하기 전에 먼저 상의하세요.</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="428"/>
        <source>%1 holds callback #%2 (%3) for this customer. %4 anyway?</source>
        <translation>%1 님이 이 고객의 콜백 #%2 (%3)을(를) 맡고 있습니다. 그래도 진행할까요? (%4)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="436"/>
        <source>Nothing done: %1 holds a callback for this customer.</source>
        <translation>진행하지 않았습니다: %1 님이 이 고객의 콜백을 맡고 있습니다.</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="454"/>
        <source>For this customer (%1)</source>
        <translation>이 고객 대상 (%1)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="459"/>
        <source>For everyone</source>
        <translation>전체 공지</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="467"/>
        <source>Official line for this caller</source>
        <translation>이 고객에게 안내할 공식 답변</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="478"/>
        <source>Reservation no. %1</source>
        <translation>예약번호 %1</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="481"/>
        <source>Order no. %1</source>
        <translation>주문번호 %1</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="483"/>
        <source>Tracking no. %1 (%2)</source>
        <translation>운송장번호 %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="487"/>
        <source>Line for order %1</source>
        <translation>주문번호 %1 회선</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="492"/>
        <source>since %1</source>
        <translation>%1부터</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="506"/>
        <source>no date yet</source>
        <translation>아직 미정</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="510"/>
        <source>Next: %1, expected %2</source>
        <translation>다음 단계: %1 (예정: %2)</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="546"/>
        <source>Promotion entries</source>
        <translation>프로모션 응모</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="554"/>
        <source>Messages sent</source>
        <translation>발송 문자</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="570"/>
        <source>stale</source>
        <translation>갱신 안 됨</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="598"/>
        <source>Please confirm</source>
        <translation>확인해 주세요</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="608"/>
        <source>%1 for order %2? This cannot be undone.</source>
        <translation>주문번호 %2에 대해 &apos;%1&apos;을(를) 진행할까요? 되돌릴 수 없습니다.</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="621"/>
        <source>Done: %1</source>
        <translation>완료: %1</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="630"/>
        <source>The backend cannot be reached; nothing was changed. Try again when it is back.</source>
        <translation>서버에 연결할 수 없어 아무것도 변경되지 않았습니다. 연결이 복구되면 다시 시도하세요.</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="650"/>
        <source>Choose the contact reason first: why did the customer call?</source>
        <translation>먼저 문의 사유를 선택하세요: 고객이 왜 연락했나요?</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="654"/>
        <source>Add the note</source>
        <translation>메모 추가</translation>
    </message>
    <message numerus="yes">
        <location filename="../../views/customer.py" line="700"/>
        <source>%n note(s) kept; they will be sent when the backend is back.</source>
        <translation>
            <numerusform>메모 %n건을 보관 중입니다. 서버에 다시 연결되면 전송됩니다.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="720"/>
        <source>Schedule a callback</source>
        <translation>콜백 예약</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="727"/>
        <source>Callback scheduled</source>
        <translation>콜백을 예약했습니다</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="736"/>
        <source>Complete your callback</source>
        <translation>내 콜백 완료</translation>
    </message>
    <message>
        <location filename="../../views/customer.py" line="742"/>
        <source>Callback completed</source>
        <translation>콜백을 완료했습니다</translation>
    </message>
</context>
<context>
    <name>Kinds</name>
    <message>
        <location filename="../../console/models.py" line="66"/>
        <source>Reservation no.</source>
        <translation>예약번호</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="67"/>
        <source>Order no.</source>
        <translation>주문번호</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="68"/>
        <source>Mobile</source>
        <translation>휴대폰번호</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="69"/>
        <source>Tracking no.</source>
        <translation>운송장번호</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="70"/>
        <source>Name</source>
        <translation>고객명</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../console/labels.py" line="26"/>
        <source>Delivery</source>
        <translation>배송</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="27"/>
        <source>Order status</source>
        <translation>주문 상태</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="28"/>
        <source>Activation</source>
        <translation>개통</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="29"/>
        <source>Cancellation</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="30"/>
        <source>Promotion</source>
        <translation>프로모션</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="31"/>
        <source>Other</source>
        <translation>기타</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="34"/>
        <source>Callback: %1</source>
        <translation>콜백: %1</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="43"/>
        <source>Dawn delivery</source>
        <translation>새벽배송</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="44"/>
        <source>Standard</source>
        <translation>일반배송</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="45"/>
        <source>Store pickup</source>
        <translation>매장수령</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="52"/>
        <source>Agent</source>
        <translation>상담원</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="53"/>
        <source>Lead</source>
        <translation>리드</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="54"/>
        <source>Supervisor</source>
        <translation>슈퍼바이저</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="55"/>
        <source>Administrator</source>
        <translation>관리자</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="62"/>
        <source>queued</source>
        <translation>발송 대기</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="63"/>
        <source>sending</source>
        <translation>발송 중</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="64"/>
        <source>sent</source>
        <translation>발송됨</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="65"/>
        <source>delivered</source>
        <translation>수신 완료</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="66"/>
        <source>failed</source>
        <translation>발송 실패</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="79"/>
        <source>Payment pending</source>
        <translation>결제 대기</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="80"/>
        <source>Stock shortage</source>
        <translation>재고 부족</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="81"/>
        <source>Address check</source>
        <translation>주소 확인</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="82"/>
        <source>Fraud check</source>
        <translation>부정거래 확인</translation>
    </message>
    <message>
        <location filename="../../console/labels.py" line="83"/>
        <source>Unknown</source>
        <translation>원인 미상</translation>
    </message>
</context>
<context>
    <name>LoginWindow</name>
    <message>
        <location filename="../../views/login.py" line="106"/>
        <source>Launchdesk — log in</source>
        <translation>Launchdesk — 로그인</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="107"/>
        <source>Launchdesk</source>
        <translation>Launchdesk</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="108"/>
        <source>Backend</source>
        <translation>서버 주소</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="109"/>
        <source>User name</source>
        <translation>아이디</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="110"/>
        <source>Password</source>
        <translation>비밀번호</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="111"/>
        <source>Log in</source>
        <translation>로그인</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="112"/>
        <source>Settings…</source>
        <translation>설정…</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="113"/>
        <source>Language, theme, font size, backend (Ctrl+,)</source>
        <translation>언어, 테마, 글자 크기, 백엔드 (Ctrl+,)</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="116"/>
        <source>Demo accounts (embedded demo only):</source>
        <translation>데모 계정 (내장 데모 전용):</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="157"/>
        <source>The backend URL must start with http:// or https://</source>
        <translation>서버 주소는 http:// 또는 https://로 시작해야 합니다</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="160"/>
        <source>Enter your user name and password.</source>
        <translation>아이디와 비밀번호를 입력하세요.</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="168"/>
        <source>The backend at %1 cannot be reached. Check the URL or try again.</source>
        <translation>서버(%1)에 연결할 수 없습니다. 주소를 확인하거나 다시 시도하세요.</translation>
    </message>
    <message>
        <location filename="../../views/login.py" line="182"/>
        <source>This account (%1) cannot use the console: integration accounts only post events.</source>
        <translation>이 계정(%1)은 콘솔을 사용할 수 없습니다. 연동 계정은 이벤트 전송 전용입니다.</translation>
    </message>
</context>
<context>
    <name>MessagesView</name>
    <message>
        <location filename="../../views/messages.py" line="58"/>
        <source>No.</source>
        <translation>번호</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="59"/>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="60"/>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="61"/>
        <source>Recipients</source>
        <translation>수신자</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="63"/>
        <source>Sent</source>
        <translation>발송</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="66"/>
        <source>Prepared by</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="67"/>
        <source>Approved by</source>
        <translation>승인자</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="82"/>
        <source>Override reason (only to send in quiet hours or again within 24 h)</source>
        <translation>예외 사유 (야간 발송 또는 24시간 내 재발송 시에만)</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="84"/>
        <source>Approve and send</source>
        <translation>승인 후 발송</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="88"/>
        <source>Cancel campaign</source>
        <translation>캠페인 취소</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="94"/>
        <source>Campaigns</source>
        <translation>캠페인</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="103"/>
        <source>Campaign name</source>
        <translation>캠페인 이름</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="109"/>
        <source> h or longer in received</source>
        <translation>시간 이상 접수완료 상태</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="110"/>
        <source>Prepare for stuck orders</source>
        <translation>지연 주문 대상 준비</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="113"/>
        <source>Correct selected campaign</source>
        <translation>선택 캠페인 정정</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="116"/>
        <source>Send the chosen template to exactly the customers the selected campaign reached</source>
        <translation>선택한 캠페인을 받은 고객에게만 선택한 템플릿을 보냅니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="132"/>
        <source>Template key, e.g. delay</source>
        <translation>템플릿 키 (예: delay)</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="134"/>
        <source>Template title</source>
        <translation>템플릿 제목</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="140"/>
        <source>Text with placeholders: {name} {order_no} {reservation_no} {model} {delivery_method} {received_date} {tracking_no}</source>
        <translation>본문 (치환자: {name} {order_no} {reservation_no} {model} {delivery_method} {received_date} {tracking_no})</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="144"/>
        <source>Save template</source>
        <translation>템플릿 저장</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="155"/>
        <source>Topic</source>
        <translation>주제</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="156"/>
        <source>Version</source>
        <translation>버전</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="157"/>
        <location filename="../../views/messages.py" line="175"/>
        <source>Title</source>
        <translation>제목</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="158"/>
        <source>For</source>
        <translation>대상</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="158"/>
        <source>everyone</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="159"/>
        <source>Published</source>
        <translation>게시 시각</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="171"/>
        <source>Topic, e.g. delivery_dates (same topic = new version)</source>
        <translation>주제 (예: delivery_dates, 같은 주제면 새 버전)</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="178"/>
        <source>The official line agents read out</source>
        <translation>상담원이 고객에게 안내할 공식 답변</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="179"/>
        <source>Publish</source>
        <translation>게시</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="182"/>
        <source>Retire selected</source>
        <translation>선택 공지 내리기</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="189"/>
        <source>Official line (notices)</source>
        <translation>공식 안내 (공지)</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="252"/>
        <source>%1 recipients (exact). Samples:</source>
        <translation>수신자 %1명 (정확한 수). 미리보기:</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="280"/>
        <source>Campaign #%1 approved; the outbox is sending it</source>
        <translation>캠페인 #%1 승인됨 — 발송 대기열에서 발송 중입니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="289"/>
        <source>Campaign #%1 cancelled</source>
        <translation>캠페인 #%1을(를) 취소했습니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="299"/>
        <source>Campaign prepared; select it to see the exact recipients</source>
        <translation>캠페인을 준비했습니다. 선택하면 정확한 수신자를 볼 수 있습니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="305"/>
        <source>Select the campaign to correct first.</source>
        <translation>먼저 정정할 캠페인을 선택하세요.</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="308"/>
        <source>Correction of #%1</source>
        <translation>#%1 정정</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="314"/>
        <source>Correction prepared for the customers campaign #%1 reached</source>
        <translation>캠페인 #%1을(를) 받은 고객에게 보낼 정정 문자를 준비했습니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="324"/>
        <source>Template saved</source>
        <translation>템플릿을 저장했습니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="350"/>
        <source>Read by %1; not yet: %2</source>
        <translation>읽음: %1 / 아직 안 읽음: %2</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="366"/>
        <source>Notice published on every console</source>
        <translation>모든 콘솔에 공지를 게시했습니다</translation>
    </message>
    <message>
        <location filename="../../views/messages.py" line="377"/>
        <source>Notice retired</source>
        <translation>공지를 내렸습니다</translation>
    </message>
</context>
<context>
    <name>NoticeAcks</name>
    <message>
        <location filename="../../views/notices.py" line="281"/>
        <source>active</source>
        <translation>게시 중</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="281"/>
        <source>retired</source>
        <translation>내림</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="287"/>
        <source>Read by %1; not yet: %2</source>
        <translation>확인: %1 / 미확인: %2</translation>
    </message>
</context>
<context>
    <name>NoticeTargetForm</name>
    <message>
        <location filename="../../views/notices.py" line="38"/>
        <source>In cart</source>
        <translation>장바구니</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="39"/>
        <source>Received</source>
        <translation>접수완료</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="40"/>
        <source>Preparing</source>
        <translation>상품준비중</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="41"/>
        <source>Shipped</source>
        <translation>출고완료</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="42"/>
        <source>Delivered</source>
        <translation>배송완료</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="43"/>
        <source>Order cancelled</source>
        <translation>주문취소</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="64"/>
        <source>received %1 to %2</source>
        <translation>%1 ~ %2 접수</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="70"/>
        <source>received from %1</source>
        <translation>%1부터 접수</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="74"/>
        <source>received until %1</source>
        <translation>%1까지 접수</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="177"/>
        <source>Any model</source>
        <translation>모든 모델</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="179"/>
        <source>Any delivery</source>
        <translation>모든 배송방법</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="182"/>
        <source>Any order status</source>
        <translation>모든 주문 상태</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="185"/>
        <source>Any cause</source>
        <translation>모든 지연 원인</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="196"/>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="197"/>
        <source>Delivery</source>
        <translation>배송방법</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="198"/>
        <source>Order status</source>
        <translation>주문 상태</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="199"/>
        <source>Stuck cause</source>
        <translation>지연 원인</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="200"/>
        <source>Received (Seoul days)</source>
        <translation>접수일 (서울 기준)</translation>
    </message>
</context>
<context>
    <name>NoticesBar</name>
    <message>
        <location filename="../../views/notices.py" line="121"/>
        <source>for: %1</source>
        <translation>대상: %1</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="131"/>
        <source>Acknowledged</source>
        <translation>확인 완료</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="135"/>
        <source>Acknowledge</source>
        <translation>확인했습니다</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="137"/>
        <source>I have read this notice</source>
        <translation>이 공지를 읽었습니다</translation>
    </message>
    <message>
        <location filename="../../views/notices.py" line="145"/>
        <source>New notice: %1</source>
        <translation>새 공지: %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../views/notices.py" line="147"/>
        <source>%n notice(s) to read</source>
        <translation>
            <numerusform>읽지 않은 공지 %n건</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <location filename="../../views/reasons.py" line="51"/>
        <source>new</source>
        <translation>신규</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="61"/>
        <source>Reason</source>
        <translation>문의 사유</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="62"/>
        <source>Last hour</source>
        <translation>최근 1시간</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="63"/>
        <source>Hour before</source>
        <translation>그 전 1시간</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="64"/>
        <source>Change</source>
        <translation>증감</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="73"/>
        <source>Customer</source>
        <translation>고객</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="74"/>
        <source>Mobile</source>
        <translation>휴대폰</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="75"/>
        <source>Contacts</source>
        <translation>문의 수</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="76"/>
        <source>Last contact</source>
        <translation>마지막 문의</translation>
    </message>
</context>
<context>
    <name>ReasonsView</name>
    <message>
        <location filename="../../views/reasons.py" line="125"/>
        <source>Top contact reasons: last hour against the hour before</source>
        <translation>주요 문의 사유: 최근 1시간과 그 전 1시간 비교</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="133"/>
        <source>Select a reason to see the customers behind it</source>
        <translation>사유를 선택하면 해당 고객이 표시됩니다</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="148"/>
        <source>Double-click opens the customer</source>
        <translation>두 번 클릭하면 고객 화면이 열립니다</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="152"/>
        <source>key, e.g. esim_transfer</source>
        <translation>키 (예: esim_transfer)</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="155"/>
        <source>Korean label</source>
        <translation>한국어 이름</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="158"/>
        <source>English label (optional)</source>
        <translation>영어 이름 (선택)</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="159"/>
        <source>Add reason</source>
        <translation>사유 추가</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="162"/>
        <source>Retire selected</source>
        <translation>선택한 사유 폐기</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="164"/>
        <source>Take a reason a lead added off the list</source>
        <translation>리드가 추가한 사유를 목록에서 내립니다</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="166"/>
        <source>Extend the list</source>
        <translation>사유 목록 확장</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="218"/>
        <source>Last hour: %1 contacts (the hour before: %2) — as of %3</source>
        <translation>최근 1시간: 문의 %1건 (그 전 1시간: %2건) — %3 기준</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="237"/>
        <source>Hour before</source>
        <translation>그 전 1시간</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="238"/>
        <source>Last hour</source>
        <translation>최근 1시간</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="283"/>
        <source>Customers who got in touch about “%1” in the last hour: %2</source>
        <translation>최근 1시간 동안 ‘%1’(으)로 문의한 고객: %2명</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="320"/>
        <source>A new reason needs a key and a Korean label.</source>
        <translation>새 사유에는 키와 한국어 이름이 필요합니다.</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="324"/>
        <source>Reason added: %1</source>
        <translation>사유 추가됨: %1</translation>
    </message>
    <message>
        <location filename="../../views/reasons.py" line="337"/>
        <source>Reason retired: %1</source>
        <translation>사유 폐기됨: %1</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../views/settings.py" line="41"/>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="52"/>
        <source>Used from the next login on</source>
        <translation>다음 로그인부터 사용됩니다</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="59"/>
        <source>Light</source>
        <translation>밝게</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="60"/>
        <source>Dark</source>
        <translation>어둡게</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="66"/>
        <source>Sample text: order no. 12345678903</source>
        <translation>미리보기: 주문번호 12345678903</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="79"/>
        <source>Backend URL</source>
        <translation>백엔드 URL</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="80"/>
        <source>A new backend URL is used from the next login on.</source>
        <translation>새 백엔드 URL은 다음 로그인부터 사용됩니다.</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="84"/>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="85"/>
        <source>Theme</source>
        <translation>테마</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="86"/>
        <source>Font size</source>
        <translation>글자 크기</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="87"/>
        <source>Preview</source>
        <translation>미리보기</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="91"/>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="92"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../views/settings.py" line="115"/>
        <source>The backend URL must start with http:// or https://; received %1</source>
        <translation>백엔드 URL은 http:// 또는 https://로 시작해야 합니다. 입력한 값: %1</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../console/models.py" line="103"/>
        <source>When</source>
        <translation>일시</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="104"/>
        <source>What</source>
        <translation>내용</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="105"/>
        <source>Who</source>
        <translation>처리자</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="106"/>
        <source>Detail</source>
        <translation>상세</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="113"/>
        <source>Note</source>
        <translation>메모</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="116"/>
        <source>SMS</source>
        <translation>문자</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="121"/>
        <source>(not yet reported)</source>
        <translation>(아직 수신되지 않음)</translation>
    </message>
    <message>
        <location filename="../../console/models.py" line="123"/>
        <source>(reported late)</source>
        <translation>(늦게 수신됨)</translation>
    </message>
</context>
<context>
    <name>Triage</name>
    <message>
        <location filename="../../console/triage_model.py" line="36"/>
        <source>Order no.</source>
        <translation>주문번호</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="37"/>
        <source>Customer</source>
        <translation>고객</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="38"/>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="40"/>
        <source>Delivery</source>
        <translation>배송 방법</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="43"/>
        <source>Received</source>
        <translation>접수 시각</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="44"/>
        <source>Age (h)</source>
        <translation>경과(시간)</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="45"/>
        <source>Overtaken by</source>
        <translation>추월한 주문</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="46"/>
        <source>Cause</source>
        <translation>원인</translation>
    </message>
    <message>
        <location filename="../../console/triage_model.py" line="47"/>
        <source>Owner</source>
        <translation>담당자</translation>
    </message>
</context>
<context>
    <name>TriageView</name>
    <message>
        <location filename="../../views/triage.py" line="66"/>
        <source>All causes</source>
        <translation>모든 원인</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="70"/>
        <source>Model (exact)</source>
        <translation>모델명(정확히)</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="72"/>
        <source>All delivery methods</source>
        <translation>모든 배송 방법</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="79"/>
        <source>older than </source>
        <translation>경과 </translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="81"/>
        <source>any age</source>
        <translation>경과 시간 전체</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="82"/>
        <source>Only orders received at least this many hours ago</source>
        <translation>접수 후 이 시간 이상 지난 주문만</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="83"/>
        <source>Apply filter</source>
        <translation>필터 적용</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="88"/>
        <source>Cause</source>
        <translation>원인</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="106"/>
        <source>Orders have changed since this list was loaded.</source>
        <translation>목록을 불러온 뒤 주문 상태가 바뀌었습니다.</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="108"/>
        <source>Reload list</source>
        <translation>목록 새로고침</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="135"/>
        <source>Set cause</source>
        <translation>원인 지정</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="138"/>
        <source>Owner (user name)</source>
        <translation>담당자(아이디)</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="139"/>
        <source>Set owner</source>
        <translation>담당자 지정</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="141"/>
        <source>Queue callbacks</source>
        <translation>콜백 등록</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="143"/>
        <source>Queue a proactive callback for each selected customer</source>
        <translation>선택한 고객마다 선제 콜백을 등록합니다</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="147"/>
        <source>Start campaign</source>
        <translation>문자 발송 준비</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="149"/>
        <source>Prepare a message to the selected customers (a supervisor approves it)</source>
        <translation>선택한 고객에게 보낼 문자를 준비합니다 (슈퍼바이저 승인 후 발송)</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="152"/>
        <source>Export CSV…</source>
        <translation>CSV 내보내기…</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="169"/>
        <source>Orders waiting in received, by age</source>
        <translation>접수완료 상태로 대기 중인 주문 (경과 시간별)</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="178"/>
        <source>Detected</source>
        <translation>감지 시각</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="179"/>
        <source>Order no.</source>
        <translation>주문번호</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="180"/>
        <source>Kind</source>
        <translation>유형</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="181"/>
        <source>Detail</source>
        <translation>상세</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="204"/>
        <source>Stuck orders</source>
        <translation>지연 주문</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="205"/>
        <source>Contradictions</source>
        <translation>상태 모순</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="206"/>
        <location filename="../../views/triage.py" line="218"/>
        <source>Waiting for a callback</source>
        <translation>콜백 대기</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="217"/>
        <source>Topic</source>
        <translation>주제</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="219"/>
        <source>With an order in received</source>
        <translation>접수완료 주문 있음</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="220"/>
        <source>Stuck over 24 h</source>
        <translation>24시간 넘게 멈춤</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="80"/>
        <location filename="../../views/triage.py" line="233"/>
        <source> h</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="234"/>
        <source>any</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="236"/>
        <source>Only customers whose oldest order has waited in received this long</source>
        <translation>가장 오래된 주문이 접수완료로 이만큼 이상 기다린 고객만</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="240"/>
        <source>Prepare campaign to these customers</source>
        <translation>이 고객들에게 보낼 캠페인 준비</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="244"/>
        <source>A message to exactly the customers waiting for a callback on the selected topic (a supervisor approves it)</source>
        <translation>선택한 주제로 콜백을 기다리는 고객에게만 보내는 메시지 (슈퍼바이저 승인 후 발송)</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="251"/>
        <source>Order waiting at least</source>
        <translation>주문 대기 최소</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="296"/>
        <source>Select a topic and a message template first.</source>
        <translation>먼저 주제와 메시지 템플릿을 선택하세요.</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="317"/>
        <source>Campaign #%1 prepared for the %2 customers waiting for a callback about %3; a supervisor approves it before anything is sent.</source>
        <translation>%3 콜백을 기다리는 고객 %2명에게 보낼 캠페인 #%1을 준비했습니다. 슈퍼바이저가 승인해야 발송됩니다.</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="356"/>
        <source>Orders</source>
        <translation>주문</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="387"/>
        <source>%1 stuck orders (received over %2 h, or overtaken) — by cause: %3 — as of %4</source>
        <translation>지연 주문 %1건 (접수 후 %2시간 초과 또는 추월됨) — 원인별: %3 — %4 기준</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="433"/>
        <source>Cause set for %1 orders</source>
        <translation>주문 %1건의 원인을 지정했습니다</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="443"/>
        <source>Owner set for %1 orders</source>
        <translation>주문 %1건의 담당자를 지정했습니다</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="455"/>
        <source>%1 callbacks queued</source>
        <translation>콜백 %1건을 등록했습니다</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="462"/>
        <source>Select orders and a message template first.</source>
        <translation>먼저 주문과 문자 템플릿을 선택하세요.</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="476"/>
        <source>Campaign #%1 prepared for %2 customers; a supervisor approves it before anything is sent.</source>
        <translation>캠페인 #%1을(를) 고객 %2명에게 준비했습니다. 슈퍼바이저가 승인해야 발송됩니다.</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="486"/>
        <source>Export stuck orders</source>
        <translation>지연 주문 내보내기</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="503"/>
        <source>Exporting… %1 of %2</source>
        <translation>내보내는 중… %2건 중 %1건</translation>
    </message>
    <message>
        <location filename="../../views/triage.py" line="528"/>
        <source>Exported %1 orders to %2</source>
        <translation>주문 %1건을 %2에 내보냈습니다</translation>
    </message>
</context>
</TS>
